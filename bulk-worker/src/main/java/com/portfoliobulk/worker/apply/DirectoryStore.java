package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.apply.TaskStore.instant;
import static com.portfoliobulk.worker.apply.TaskStore.role;
import static com.portfoliobulk.worker.apply.TaskStore.toTimestamp;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.expiry.ExpiredInvitation;
import com.portfoliobulk.worker.invitations.InvitationTokens;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The worker's statements on the {@code directory} schema, which it owns. */
@Repository
class DirectoryStore {

    private static final String INSERT_INVITATION = """
            INSERT INTO directory.memberships
                   (role, state, invited_at, expires_at, invitation_token, invitation_language,
                    invitation_job_id, account_id, user_id, created_at, updated_at)
            VALUES (?, 'INVITED', ?, ?, ?, ?, ?, ?, ?, now(), now())
            """;

    /**
     * Several new invitations in one statement: the values of {@link #INSERT_INVITATION} as parallel
     * arrays, one element per invitation (times as ISO-8601 text).
     */
    private static final String INSERT_INVITATIONS = """
            INSERT INTO directory.memberships
                   (role, state, invited_at, expires_at, invitation_token, invitation_language,
                    invitation_job_id, account_id, user_id, created_at, updated_at)
            SELECT i.role, 'INVITED', CAST(i.invited_at AS timestamptz), CAST(i.expires_at AS timestamptz),
                   i.token, i.language, i.job_id, i.account_id, i.user_id, now(), now()
              FROM unnest(:roles, :invitedAts, :expiresAts, :tokens, :languages, :jobIds, :accounts, :users)
                   AS i(role, invited_at, expires_at, token, language, job_id, account_id, user_id)
            """;

    /**
     * An expired invitation renewed in place: a new invitation, created now, as it would have been had
     * the expiry sweep ended the old one first (the language of a resend's e-mail is the newest created).
     */
    private static final String RENEW_INVITATION = """
            UPDATE directory.memberships
               SET role = ?, state = 'INVITED', invited_at = ?, expires_at = ?, invitation_token = ?,
                   invitation_language = ?, invitation_job_id = ?, created_at = now(), updated_at = now()
             WHERE account_id = ? AND user_id = ? AND state = 'INVITED'
            """;

    private static final String RESEND_INVITATION = """
            UPDATE directory.memberships
               SET invited_at = ?, expires_at = ?, invitation_token = ?, invitation_job_id = ?, updated_at = now()
             WHERE account_id = ? AND user_id = ? AND state = 'INVITED'
            """;

    private static final String REVOKE_INVITATION =
            "DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ? AND state = 'INVITED'";

    private static final String CHANGE_ROLE = """
            UPDATE directory.memberships SET role = ?, updated_at = ?
             WHERE account_id = ? AND user_id = ?
            """;

    /**
     * The parameter types of the invitation statements. Given explicitly (for every change) so that a
     * {@code null} language costs no round trip asking the server for its type.
     */
    private static final int[] INVITATION_TYPES = {
        Types.VARCHAR,
        Types.TIMESTAMP_WITH_TIMEZONE,
        Types.TIMESTAMP_WITH_TIMEZONE,
        Types.VARCHAR,
        Types.VARCHAR,
        Types.OTHER,
        Types.OTHER,
        Types.OTHER
    };

    private static final String REMOVE = "DELETE FROM directory.memberships WHERE account_id = ? AND user_id = ?";

    /** Several removals in one statement: the (account, user) pairs as two parallel arrays. */
    private static final String REMOVE_ALL = """
            DELETE FROM directory.memberships m
             USING unnest(:accounts, :users) AS p(account_id, user_id)
             WHERE m.account_id = p.account_id AND m.user_id = p.user_id
            """;

    private final JdbcClient jdbc;

    private final JdbcTemplate jdbcTemplate;

    DirectoryStore(JdbcClient jdbc, JdbcTemplate jdbcTemplate) {
        this.jdbc = jdbc;
        this.jdbcTemplate = jdbcTemplate;
    }

    /**
     * The link of each of the accounts to its portfolio; unlinked and unknown accounts are left out. The
     * linked accounts stay so until the transaction ends ({@code FOR KEY SHARE}, in id order: the lock
     * an invitation's membership insert takes on its account anyway), because unlinking locks the
     * account {@code FOR UPDATE} first: an unlink waits for the batches that saw the account linked,
     * and a batch that starts while an unlink runs sees its outcome. So no task of a portfolio is
     * applied to an account after its unlink was answered. Each link comes with the time of the
     * account's last unlink, read in the same statement: a task planned before it is not applied, also
     * once the account is linked again ({@link AccountLink#holdsTaskPlannedAt}).
     */
    Map<UUID, AccountLink> linkedPortfolios(Collection<UUID> accountIds) {
        Map<UUID, AccountLink> links = new HashMap<>();
        jdbc.sql("""
                        SELECT id, portfolio_id, unlinked_at FROM directory.accounts
                        WHERE id = ANY(:ids) AND portfolio_id IS NOT NULL ORDER BY id FOR KEY SHARE
                        """).param("ids", PostgresArrays.uuids(accountIds)).query(rs -> {
            links.put(
                    rs.getObject("id", UUID.class),
                    new AccountLink(rs.getObject("portfolio_id", UUID.class), instant(rs, "unlinked_at")));
        });
        return links;
    }

    List<DirectoryUser> users(Collection<UUID> ids, Collection<String> emails) {
        return jdbc.sql(
                        "SELECT id, email, idp_managed FROM directory.users WHERE id = ANY(:ids) OR email = ANY(:emails)")
                .param("ids", PostgresArrays.uuids(ids))
                .param("emails", PostgresArrays.texts(emails))
                .query(DirectoryStore::user)
                .list();
    }

    Optional<DirectoryUser> userByEmail(String email) {
        return jdbc.sql("SELECT id, email, idp_managed FROM directory.users WHERE email = :email")
                .param("email", email)
                .query(DirectoryStore::user)
                .optional();
    }

    /**
     * Creates the users of invited addresses, all in one statement, in address order (so that two
     * transactions creating some of the same addresses wait for each other, never deadlock). An address
     * that belongs to a user already (created meanwhile by another transaction, which the insert waited
     * for) keeps that user, and its new one is not stored.
     *
     * @return whether every one of the users was stored
     */
    boolean createUsers(Collection<DirectoryUser> users) {
        List<DirectoryUser> sorted = users.stream()
                .sorted(Comparator.comparing(DirectoryUser::email))
                .toList();
        int stored = jdbc.sql("""
                        INSERT INTO directory.users (id, email, idp_managed)
                        SELECT n.id, n.email, false FROM unnest(:ids, :emails) WITH ORDINALITY AS n(id, email, i)
                         ORDER BY n.i
                        ON CONFLICT (email) DO NOTHING
                        """)
                .param(
                        "ids",
                        PostgresArrays.uuids(
                                sorted.stream().map(DirectoryUser::id).toList()))
                .param(
                        "emails",
                        PostgresArrays.texts(
                                sorted.stream().map(DirectoryUser::email).toList()))
                .update();
        return stored == sorted.size();
    }

    /**
     * Locks and returns the memberships of the given (account, user) pairs that exist. An invitation
     * whose expiry has passed (at the transaction's {@code now()}, the time tasks are decided at) comes
     * with its job's requester, which its {@code INVITATION_EXPIRED} entry names should a task renew it:
     * looked up by primary key for those rows only, in the same statement (the lateral subquery with
     * {@code OFFSET 0} stays a nested loop whose lookup runs only when the row is such an invitation; as
     * a plain outer join PostgreSQL may read every job into a hash).
     */
    List<StoredMembership> lockMemberships(List<UUID> accountIds, List<UUID> userIds) {
        return jdbc.sql("""
                        SELECT m.account_id, m.user_id, m.role, m.state, m.expires_at, m.invitation_job_id,
                               m.state = 'INVITED' AND m.expires_at <= now() AS expired,
                               i.requested_by_user_id AS inviter_id, i.requested_by_email AS inviter_email
                          FROM directory.memberships m
                          JOIN unnest(:accounts, :users) AS p(account_id, user_id)
                            ON p.account_id = m.account_id AND p.user_id = m.user_id
                          LEFT JOIN LATERAL (
                                SELECT j.requested_by_user_id, j.requested_by_email FROM jobs.bulk_jobs j
                                 WHERE j.id = m.invitation_job_id AND m.state = 'INVITED' AND m.expires_at <= now()
                                OFFSET 0) i ON true
                         ORDER BY m.account_id, m.user_id
                           FOR UPDATE OF m
                        """)
                .param("accounts", PostgresArrays.uuids(accountIds))
                .param("users", PostgresArrays.uuids(userIds))
                .query((rs, row) -> {
                    UUID inviterId = rs.getObject("inviter_id", UUID.class);
                    return new StoredMembership(
                            rs.getObject("account_id", UUID.class),
                            rs.getObject("user_id", UUID.class),
                            role(rs.getString("role")),
                            MembershipState.valueOf(rs.getString("state")),
                            instant(rs, "expires_at"),
                            rs.getBoolean("expired"),
                            rs.getObject("invitation_job_id", UUID.class),
                            inviterId == null ? null : new Actor(inviterId, rs.getString("inviter_email")));
                })
                .list();
    }

    /**
     * Applies membership changes in their order. Consecutive changes of the same kind go to the
     * database as one JDBC batch, so a batch of similar tasks costs one round trip, not one per task;
     * consecutive removals as one statement (a removed membership is never removed twice in a row:
     * the view knows it is gone).
     *
     * @throws IllegalStateException when a change did not find its row; the caller read and locked
     *     each membership in the same transaction, so this is a bug and the transaction must not commit
     */
    void apply(List<MembershipChange> changes) {
        int start = 0;
        while (start < changes.size()) {
            String sql = changes.get(start).sql();
            int end = start + 1;
            while (end < changes.size() && changes.get(end).sql().equals(sql)) {
                end++;
            }
            List<MembershipChange> run = changes.subList(start, end);
            if (sql.equals(REMOVE) && run.size() > 1) {
                removeAll(run);
                start = end;
                continue;
            }
            if (sql.equals(INSERT_INVITATION) && run.size() > 1) {
                insertInvitations(run);
                start = end;
                continue;
            }
            int[] counts = jdbcTemplate.batchUpdate(
                    sql,
                    run.stream().map(MembershipChange::arguments).toList(),
                    run.getFirst().types());
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 1 && counts[i] != Statement.SUCCESS_NO_INFO) {
                    throw new IllegalStateException(run.get(i).description() + " changed under its row lock");
                }
            }
            start = end;
        }
    }

    private void removeAll(List<MembershipChange> removals) {
        UUID[] accounts = new UUID[removals.size()];
        UUID[] users = new UUID[removals.size()];
        for (int i = 0; i < removals.size(); i++) {
            accounts[i] = (UUID) removals.get(i).arguments()[0];
            users[i] = (UUID) removals.get(i).arguments()[1];
        }
        int removed = jdbc.sql(REMOVE_ALL)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("users", PostgresArrays.uuids(users))
                .update();
        if (removed != removals.size()) {
            throw new IllegalStateException((removals.size() - removed) + " of " + removals.size()
                    + " memberships to remove changed under their row locks");
        }
    }

    /** Several new invitations in one statement (one row each, so one count to compare). */
    private void insertInvitations(List<MembershipChange> invitations) {
        int size = invitations.size();
        String[] roles = new String[size];
        String[] invitedAts = new String[size];
        String[] expiresAts = new String[size];
        String[] tokens = new String[size];
        String[] languages = new String[size];
        UUID[] jobIds = new UUID[size];
        UUID[] accounts = new UUID[size];
        UUID[] users = new UUID[size];
        for (int i = 0; i < size; i++) {
            Object[] arguments = invitations.get(i).arguments();
            roles[i] = (String) arguments[0];
            invitedAts[i] = text(arguments[1]);
            expiresAts[i] = text(arguments[2]);
            tokens[i] = (String) arguments[3];
            languages[i] = (String) arguments[4];
            jobIds[i] = (UUID) arguments[5];
            accounts[i] = (UUID) arguments[6];
            users[i] = (UUID) arguments[7];
        }
        int inserted = jdbc.sql(INSERT_INVITATIONS)
                .param("roles", PostgresArrays.texts(roles))
                .param("invitedAts", PostgresArrays.texts(invitedAts))
                .param("expiresAts", PostgresArrays.texts(expiresAts))
                .param("tokens", PostgresArrays.texts(tokens))
                .param("languages", PostgresArrays.texts(languages))
                .param("jobIds", PostgresArrays.uuids(jobIds))
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("users", PostgresArrays.uuids(users))
                .update();
        if (inserted != size) {
            throw new IllegalStateException(
                    (size - inserted) + " of " + size + " invitations were not inserted under their row locks");
        }
    }

    /** A timestamp argument as ISO-8601 text in UTC (seconds always written, so PostgreSQL reads it as is). */
    private static String text(Object timestamp) {
        return timestamp == null
                ? null
                : ((OffsetDateTime) timestamp).toInstant().toString();
    }

    /** A pending invitation, or an expired one renewed in place. */
    static MembershipChange invite(UUID accountId, UUID userId, Invitation invitation, boolean renewExpired) {
        Object[] arguments = {
            invitation.role().code(),
            toTimestamp(invitation.invitedAt()),
            toTimestamp(invitation.expiresAt()),
            InvitationTokens.digest(invitation.token()),
            invitation.language(),
            invitation.jobId(),
            accountId,
            userId
        };
        return new MembershipChange(
                renewExpired ? RENEW_INVITATION : INSERT_INVITATION,
                arguments,
                INVITATION_TYPES,
                "Invitation of user " + userId + " to account " + accountId);
    }

    /**
     * The {@code INVITATION_EXPIRED} entry of an expired invitation a renewal ended, noted in {@code
     * directory.account_link_changes} (the outbox {@code AccountLinkEntries} publishes) as the event the
     * expiry sweep would have published: its id, dated at the expiry, by the inviter.
     */
    static MembershipChange noteExpired(ExpiredInvitation expired, UUID portfolioId) {
        AccountActivityEvent event = expired.event(portfolioId);
        return new MembershipChange(
                """
                INSERT INTO directory.account_link_changes
                       (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                        user_id, email, role, job_id, changed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                new Object[] {
                    event.eventId(),
                    event.accountId(),
                    event.portfolioId(),
                    event.action().name(),
                    event.actor().userId(),
                    event.actor().email(),
                    event.actor().kind().name(),
                    event.targetUser().userId(),
                    event.targetUser().email(),
                    event.previousRole().code(),
                    event.jobId(),
                    toTimestamp(event.occurredAt())
                },
                new int[] {
                    Types.OTHER,
                    Types.OTHER,
                    Types.OTHER,
                    Types.VARCHAR,
                    Types.OTHER,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.OTHER,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.OTHER,
                    Types.TIMESTAMP_WITH_TIMEZONE
                },
                "Expiry of the invitation of user " + expired.userId() + " to account " + expired.accountId());
    }

    /** A pending invitation renewed: new token and expiry, now the resend job's (its e-mail names it). */
    static MembershipChange resend(UUID accountId, UUID userId, Invitation invitation) {
        return new MembershipChange(
                RESEND_INVITATION,
                new Object[] {
                    toTimestamp(invitation.invitedAt()),
                    toTimestamp(invitation.expiresAt()),
                    InvitationTokens.digest(invitation.token()),
                    invitation.jobId(),
                    accountId,
                    userId
                },
                new int[] {
                    Types.TIMESTAMP_WITH_TIMEZONE,
                    Types.TIMESTAMP_WITH_TIMEZONE,
                    Types.VARCHAR,
                    Types.OTHER,
                    Types.OTHER,
                    Types.OTHER
                },
                "Invitation of user " + userId + " to account " + accountId);
    }

    static MembershipChange revoke(UUID accountId, UUID userId) {
        return new MembershipChange(
                REVOKE_INVITATION,
                new Object[] {accountId, userId},
                new int[] {Types.OTHER, Types.OTHER},
                "Invitation of user " + userId + " to account " + accountId);
    }

    static MembershipChange changeRole(UUID accountId, UUID userId, AccountRole role, Instant now) {
        return new MembershipChange(
                CHANGE_ROLE,
                new Object[] {role.code(), toTimestamp(now), accountId, userId},
                new int[] {Types.VARCHAR, Types.TIMESTAMP_WITH_TIMEZONE, Types.OTHER, Types.OTHER},
                "Membership of user " + userId + " on account " + accountId);
    }

    static MembershipChange remove(UUID accountId, UUID userId) {
        return new MembershipChange(
                REMOVE,
                new Object[] {accountId, userId},
                new int[] {Types.OTHER, Types.OTHER},
                "Membership of user " + userId + " on account " + accountId);
    }

    private static DirectoryUser user(ResultSet rs, int row) throws SQLException {
        return new DirectoryUser(rs.getObject("id", UUID.class), rs.getString("email"), rs.getBoolean("idp_managed"));
    }

    /** A user of the directory. */
    record DirectoryUser(UUID id, String email, boolean idpManaged) {}

    /**
     * An account's link to a portfolio.
     *
     * @param unlinkedAt when the account was last unlinked from a portfolio, before this link; null when
     *     it never was (since the directory records it)
     */
    record AccountLink(UUID portfolioId, Instant unlinkedAt) {

        /**
         * Whether a task of {@code portfolio} planned at {@code plannedAt} is for this link: the account
         * is in that portfolio and has not been unlinked since the task was planned. A task planned before
         * an unlink belongs to the link that ended, not to one made since (the Owner unlinked the account
         * and linked it again while the job ran). A null {@code plannedAt}: any link to the portfolio.
         */
        boolean holdsTaskPlannedAt(UUID portfolio, Instant plannedAt) {
            return portfolioId.equals(portfolio)
                    && (plannedAt == null || unlinkedAt == null || unlinkedAt.isBefore(plannedAt));
        }
    }

    /**
     * A membership row.
     *
     * @param expired whether it is an invitation whose expiry has passed
     * @param invitationJobId the job that created or last resent the invitation, if one did
     * @param inviter the requester of that job, read only for an expired invitation
     */
    record StoredMembership(
            UUID accountId,
            UUID userId,
            AccountRole role,
            MembershipState state,
            Instant expiresAt,
            boolean expired,
            UUID invitationJobId,
            Actor inviter) {}

    /**
     * One membership change, as a statement, its arguments and their JDBC types.
     *
     * @param description what it changes, for errors
     */
    record MembershipChange(String sql, Object[] arguments, int[] types, String description) {}

    /**
     * A pending invitation to create.
     *
     * @param token the secret the invited user accepts it with; only its digest is stored
     * @param jobId the job that invites
     */
    record Invitation(
            AccountRole role, Instant invitedAt, Instant expiresAt, String token, String language, UUID jobId) {}

    /**
     * Queues the invitation e-mails of a transaction: one row per (job, invitee); a row that exists
     * already (an earlier batch of the same job invited the same person) is kept as it is. A mail without
     * a language of its own (a resend's) takes that of the invitee's newest pending invitation from the
     * portfolio: the one created last (an expired one renewed in place counts from its renewal; a resend,
     * which renews the time of invitation, does not count, so the language is the same whichever of the
     * job's batches queues it: they are split by account), of those whose expiry has not passed.
     */
    void queueMails(Collection<QueuedMail> mails) {
        if (mails.isEmpty()) {
            return;
        }
        jdbcTemplate.batchUpdate(
                """
                INSERT INTO directory.invitation_mails
                       (id, job_id, user_id, email, language, portfolio_id, inviter_email, token, token_digest)
                SELECT ?, ?, u, ?, coalesce(?, (SELECT m.invitation_language FROM directory.memberships m
                                                 JOIN directory.accounts a ON a.id = m.account_id
                                                 WHERE m.user_id = u AND m.state = 'INVITED'
                                                   AND m.expires_at > now() AND a.portfolio_id = p
                                                   AND m.invitation_language IS NOT NULL
                                                 ORDER BY m.created_at DESC LIMIT 1), 'en'),
                       p, ?, ?, ?
                  FROM (SELECT CAST(? AS uuid) AS j, CAST(? AS uuid) AS u, CAST(? AS uuid) AS p) AS k
                ON CONFLICT (job_id, user_id) DO NOTHING
                """,
                // In a stable order, so that two transactions queueing e-mails of one job never deadlock.
                mails.stream()
                        .sorted(Comparator.comparing(QueuedMail::jobId).thenComparing(QueuedMail::userId))
                        .map(mail -> new Object[] {
                            UUID.randomUUID(),
                            mail.jobId(),
                            mail.email(),
                            mail.language(),
                            mail.inviterEmail(),
                            mail.token(),
                            InvitationTokens.digest(mail.token()),
                            mail.jobId(),
                            mail.userId(),
                            mail.portfolioId()
                        })
                        .toList(),
                new int[] {
                    Types.OTHER,
                    Types.OTHER,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.VARCHAR,
                    Types.OTHER,
                    Types.OTHER,
                    Types.OTHER
                });
    }

    /**
     * For each (portfolio, invitee, job): the invitation e-mails of the portfolio queued to the invitee
     * since {@code since}, and whether the job queued them one (at any time), all in one statement, each
     * key read from the index of e-mails by invitee (V191) and the key of (job, invitee).
     */
    Map<MailKey, MailHistory> mailHistories(Collection<MailKey> keys, Instant since) {
        Map<MailKey, MailHistory> histories = new HashMap<>();
        if (keys.isEmpty()) {
            return histories;
        }
        List<MailKey> list = List.copyOf(keys);
        jdbc.sql("""
                        SELECT k.portfolio_id, k.user_id, k.job_id,
                               (SELECT count(*) FROM directory.invitation_mails m
                                 WHERE m.user_id = k.user_id AND m.portfolio_id = k.portfolio_id
                                   AND m.created_at > :since) AS recent,
                               EXISTS (SELECT 1 FROM directory.invitation_mails m
                                        WHERE m.job_id = k.job_id AND m.user_id = k.user_id) AS queued
                          FROM unnest(:portfolios, :users, :jobs) AS k(portfolio_id, user_id, job_id)
                        """)
                .param(
                        "portfolios",
                        PostgresArrays.uuids(
                                list.stream().map(MailKey::portfolioId).toList()))
                .param(
                        "users",
                        PostgresArrays.uuids(list.stream().map(MailKey::userId).toList()))
                .param(
                        "jobs",
                        PostgresArrays.uuids(list.stream().map(MailKey::jobId).toList()))
                .param("since", toTimestamp(since))
                .query(rs -> {
                    histories.put(
                            new MailKey(
                                    rs.getObject("portfolio_id", UUID.class),
                                    rs.getObject("user_id", UUID.class),
                                    rs.getObject("job_id", UUID.class)),
                            new MailHistory(rs.getInt("recent"), rs.getBoolean("queued")));
                });
        return histories;
    }

    /** An invitee's e-mails of a portfolio, as a job that would queue them one asks for them. */
    record MailKey(UUID portfolioId, UUID userId, UUID jobId) {}

    /**
     * @param recent the portfolio's invitation e-mails queued to the invitee in the period asked
     * @param queued whether the job has queued the invitee its e-mail
     */
    record MailHistory(int recent, boolean queued) {}

    /**
     * An invitation e-mail to queue.
     *
     * @param language the invitation's language as requested, {@code null} for the invitation's own
     *     (a resend); the sender picks the closest template
     * @param token the secret of the message's accept link, kept in clear until the message is sent or
     *     ends (then only its digest)
     */
    record QueuedMail(
            UUID jobId,
            UUID userId,
            String email,
            String language,
            UUID portfolioId,
            String inviterEmail,
            String token) {}
}
