package com.portfoliobulk.worker.mail;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.PortfolioClosing;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.links.OpenPortfolios;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The outbox of invitation e-mails ({@code directory.invitation_mails}): claims a due message under
 * a row lock that other senders skip, reads what it announces, and records how sending went. A message
 * keeps its token in clear only while it may still be sent (a retry sends the same link); once it is
 * sent, fails or is cancelled, only the token's digest is left, which the accept link is compared with.
 */
@Repository
class InvitationMailStore {

    /**
     * The messages of a portfolio whose close is under way wait: the close cancels the portfolio's jobs
     * first and removes their invitations with its unlinks afterwards, which ends such messages
     * unsent; sent in between, they would announce invitations that are about to go. A close that
     * failed half way holds them for as long as it holds ownership ({@link PortfolioClosing#HOLD} from
     * its last step), after which they go out.
     */
    private static final String NOT_CLOSING = """
            NOT EXISTS (SELECT 1 FROM jobs.closure_tokens c
                         WHERE c.portfolio_id = %s
                           AND c.closing_since > now() - make_interval(secs => :closingHold))""";

    /**
     * The finished jobs with due messages, portfolios taking turns: the jobs of the portfolios the poll
     * has claimed fewest messages of so far ({@code :portfolios}, {@code :claims}) first, so that each
     * portfolio's first message goes out, then each one's second, and so on, and a small job does not
     * wait for the whole of another portfolio's large job queued before it. Within a portfolio (and
     * among the portfolios of one turn) the job whose oldest due message is oldest comes first. The
     * jobs are found with one index probe each (a loose scan of {@code invitation_mails_pending_by_job}),
     * and so is each one's oldest due message and its portfolio, so the messages of running jobs, which
     * may be many, are never read, nor all of a large job's.
     *
     * <p>A job withdrawn by the removal of the portfolio user who submitted it (cancelled and marked
     * withdrawn in one commit, jobs migration V201) holds its messages as a running one does: they
     * announce invitations by someone no longer allowed to make them, which {@link
     * WithdrawnJobInvitations} revokes before it ends the messages {@code CANCELLED}.
     */
    private static final String FINISHED_JOBS_WITH_DUE_MAIL = """
            WITH RECURSIVE pending(job_id) AS (
                (SELECT job_id FROM directory.invitation_mails
                  WHERE status = 'PENDING' ORDER BY job_id LIMIT 1)
                UNION ALL
                SELECT (SELECT m.job_id FROM directory.invitation_mails m
                         WHERE m.status = 'PENDING' AND m.job_id > pending.job_id
                         ORDER BY m.job_id LIMIT 1)
                  FROM pending
                 WHERE pending.job_id IS NOT NULL
            )
            SELECT finished.job_id FROM (
                SELECT pending.job_id, first.next_attempt_at AS first_due, first.portfolio_id
                  FROM pending
                 CROSS JOIN LATERAL (
                       SELECT m.next_attempt_at, m.portfolio_id FROM directory.invitation_mails m
                        WHERE m.job_id = pending.job_id AND m.status = 'PENDING'
                        ORDER BY m.next_attempt_at
                        LIMIT 1) first
                 WHERE pending.job_id IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                    WHERE j.id = pending.job_id
                                      AND (j.status IN ('QUEUED', 'IN_PROGRESS') OR j.withdrawn_by_kind IS NOT NULL))
                   AND %s
            ) finished
              LEFT JOIN unnest(:portfolios, :claims) AS served(portfolio_id, claims)
                ON served.portfolio_id = finished.portfolio_id
             WHERE finished.first_due <= now()
             ORDER BY coalesce(served.claims, 0), finished.first_due
             LIMIT :limit
            """.formatted(
                    NOT_CLOSING.formatted("(SELECT j.portfolio_id FROM jobs.bulk_jobs j WHERE j.id = pending.job_id)"));

    /** How many finished jobs one claim tries (the others' messages are locked by other senders). */
    private static final int JOBS_PER_CLAIM = 20;

    /**
     * The oldest due message of a finished job (so that it can name every account of the job), locked;
     * a message another sender holds is skipped.
     */
    private static final String CLAIM = """
            SELECT m.id, m.job_id, m.user_id, m.email, m.language, m.portfolio_id, m.inviter_email, m.token,
                   m.attempts, p.name AS portfolio_name
              FROM directory.invitation_mails m
              LEFT JOIN directory.portfolios p ON p.id = m.portfolio_id
             WHERE m.job_id = :jobId AND m.status = 'PENDING' AND m.next_attempt_at <= now()
               AND NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                WHERE j.id = m.job_id
                                  AND (j.status IN ('QUEUED', 'IN_PROGRESS') OR j.withdrawn_by_kind IS NOT NULL))
               AND %s
             ORDER BY m.next_attempt_at
             LIMIT 1
               FOR UPDATE OF m SKIP LOCKED
            """.formatted(NOT_CLOSING.formatted("m.portfolio_id"));

    /**
     * Gives the tasks that created a failed message's invitations (the job's succeeded invitation and
     * resend tasks of its invitee) the message's error. They are read from the index of such tasks by
     * job and invitee (jobs migration V189), whose predicate the statement repeats, not from all the
     * job's succeeded tasks.
     */
    static final String MARK_TASKS_UNDELIVERED = """
            UPDATE jobs.bulk_tasks SET error = :error
             WHERE job_id = :jobId AND user_id = :userId
               AND status = 'SUCCEEDED' AND action IN ('INVITE', 'RESEND_INVITATION')
            """;

    private final JdbcClient jdbc;

    InvitationMailStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Claims one due message of a finished job, portfolios taking turns ({@link
     * #FINISHED_JOBS_WITH_DUE_MAIL}): of the portfolios {@code turns} has counted fewest claims of, the
     * oldest message of the job whose oldest is, which {@code turns} then counts. The caller's
     * transaction holds it until it commits.
     */
    Optional<ClaimedMail> claimNext(Turns turns) {
        List<UUID> jobs = jdbc.sql(FINISHED_JOBS_WITH_DUE_MAIL)
                .param("portfolios", PostgresArrays.uuids(turns.claims.keySet()))
                .param("claims", PostgresArrays.ints(turns.claims.values()))
                .param("limit", JOBS_PER_CLAIM)
                .param("closingHold", PortfolioClosing.HOLD.toSeconds())
                .query(UUID.class)
                .list();
        for (UUID job : jobs) {
            Optional<ClaimedMail> claimed = claim(job);
            if (claimed.isPresent()) {
                turns.claims.merge(claimed.get().portfolioId(), 1, Integer::sum);
                return claimed;
            }
        }
        return Optional.empty();
    }

    /**
     * The messages one poll has claimed so far, by portfolio: the turns its portfolios have had. Each
     * poll starts with none, as each batch of the gateway's task relay does.
     */
    static final class Turns {

        /** In one iteration order for the keys and the values, which go to the claim as two arrays. */
        private final Map<UUID, Integer> claims = new LinkedHashMap<>();
    }

    private Optional<ClaimedMail> claim(UUID jobId) {
        return jdbc.sql(CLAIM)
                .param("jobId", jobId)
                .param("closingHold", PortfolioClosing.HOLD.toSeconds())
                .query((rs, n) -> new ClaimedMail(
                        rs.getObject("id", UUID.class),
                        rs.getObject("job_id", UUID.class),
                        rs.getObject("user_id", UUID.class),
                        rs.getString("email"),
                        rs.getString("language"),
                        rs.getObject("portfolio_id", UUID.class),
                        rs.getString("portfolio_name"),
                        rs.getString("inviter_email"),
                        rs.getString("token"),
                        rs.getInt("attempts")))
                .optional();
    }

    /**
     * The pending invitations the message announces (the job's, for the invitee): the first
     * {@code listed} by account name, each with the configured name of its role when it is one of the
     * portfolio's custom account roles (read in the same statement), how many there are in all, and
     * when the first of them expires. Empty when none is left.
     *
     * <p>An invitation whose expiry has passed is not announced, although it stays in the directory
     * until the expiry sweep ends it (which waits while Kafka is down): a message that waited past it
     * (an SMTP outage, a job that ran long) would say that it expires on a past date, and its link
     * would answer that it expired.
     *
     * <p>Nor is one on an account that a close left linked to the closed portfolio (the worker could not
     * be reached for the close's last unlinking, {@link OpenPortfolios}): the close no longer holds the
     * portfolio's messages once it has ended, its link would answer as for a revoked invitation, and a
     * message with nothing else to announce ends {@code CANCELLED}, as those whose invitations the
     * close's unlinks ended.
     */
    Optional<Invitations> invitations(ClaimedMail mail, int listed) {
        List<Row> rows = jdbc.sql("""
                        SELECT a.name, m.role, r.name AS role_name,
                               count(*) OVER () AS total, min(m.expires_at) OVER () AS first_expiry
                          FROM directory.memberships m
                          JOIN directory.accounts a ON a.id = m.account_id
                          LEFT JOIN jobs.account_roles r ON r.portfolio_id = :portfolioId AND r.code = m.role
                         WHERE m.user_id = :userId AND m.invitation_job_id = :jobId AND m.state = 'INVITED'
                           AND m.expires_at > now()
                           AND %s
                         ORDER BY a.name, a.id
                         LIMIT :listed
                        """.formatted(OpenPortfolios.IN_AN_OPEN_PORTFOLIO))
                .param("userId", mail.userId())
                .param("jobId", mail.jobId())
                .param("portfolioId", mail.portfolioId())
                .param("listed", listed)
                .query((rs, n) -> new Row(
                        new InvitedAccount(
                                rs.getString("name"), new AccountRole(rs.getString("role")), rs.getString("role_name")),
                        rs.getInt("total"),
                        rs.getTimestamp("first_expiry").toInstant()))
                .list();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Row first = rows.getFirst();
        return Optional.of(
                new Invitations(rows.stream().map(Row::account).toList(), first.total(), first.firstExpiry()));
    }

    private record Row(InvitedAccount account, int total, Instant firstExpiry) {}

    void markSent(UUID id) {
        jdbc.sql("""
                        UPDATE directory.invitation_mails
                           SET status = 'SENT', token = NULL, attempts = attempts + 1, sent_at = now(),
                               last_error = NULL
                         WHERE id = :id
                        """).param("id", id).update();
    }

    /**
     * Nothing is left to announce (every invitation of the message was revoked, ended or expired meanwhile,
     * or is on an account left linked to a closed portfolio).
     */
    void markCancelled(UUID id, String reason) {
        jdbc.sql("""
                        UPDATE directory.invitation_mails SET status = 'CANCELLED', token = NULL, last_error = :reason
                         WHERE id = :id
                        """).param("id", id).param("reason", reason).update();
    }

    /**
     * The message is sent again {@code wait} after this failed attempt, by the database's clock, which
     * every due check compares with: a worker whose clock is behind would otherwise make every retry
     * due at once (and use up the attempts within minutes of an outage), one whose clock is ahead would
     * wait too long. The wait counts from this statement ({@code statement_timestamp()}), after the
     * attempt, not from the claim that began the transaction ({@code now()}), before it.
     */
    void markRetry(UUID id, String error, Duration wait) {
        jdbc.sql("""
                        UPDATE directory.invitation_mails
                           SET attempts = attempts + 1, last_error = :error,
                               next_attempt_at = statement_timestamp() + make_interval(secs => :waitSeconds)
                         WHERE id = :id
                        """)
                .param("id", id)
                .param("error", error)
                .param("waitSeconds", wait.toMillis() / 1000.0)
                .update();
    }

    /**
     * The message will not be sent: it ends {@code FAILED}, and the job's tasks that created its
     * invitations carry the reason as their error, so that the administrator sees it on the job.
     */
    void markFailed(ClaimedMail mail, String error) {
        jdbc.sql("""
                        UPDATE directory.invitation_mails
                           SET status = 'FAILED', token = NULL, attempts = attempts + 1, last_error = :error
                         WHERE id = :id
                        """).param("id", mail.id()).param("error", error).update();
        jdbc.sql(MARK_TASKS_UNDELIVERED)
                .param("error", "Invitation e-mail not delivered: " + error)
                .param("jobId", mail.jobId())
                .param("userId", mail.userId())
                .update();
    }

    /**
     * A claimed message.
     *
     * @param id the outbox row, also the basis of the message's {@code Message-ID}
     * @param portfolioId the inviting portfolio, whose custom account roles the message names
     * @param portfolioName the name of the inviting portfolio, when it still exists
     * @param inviterEmail the administrator who submitted the job
     * @param token the secret of the accept link (in clear while the message is pending)
     * @param attempts attempts made before this one
     */
    record ClaimedMail(
            UUID id,
            UUID jobId,
            UUID userId,
            String email,
            String language,
            UUID portfolioId,
            String portfolioName,
            String inviterEmail,
            String token,
            int attempts) {}

    /**
     * One account the message invites to.
     *
     * @param customRoleName the configured name of the role when it is a custom account role of the
     *     portfolio, else {@code null}
     */
    record InvitedAccount(String name, AccountRole role, String customRoleName) {}

    /**
     * What a message announces.
     *
     * @param listed the accounts it names, the first by name
     * @param total how many accounts it invites to, named or not
     * @param firstExpiry when the first of its invitations expires
     */
    record Invitations(List<InvitedAccount> listed, int total, Instant firstExpiry) {

        /** The accounts invited to and not named. */
        int unlisted() {
            return total - listed.size();
        }
    }
}
