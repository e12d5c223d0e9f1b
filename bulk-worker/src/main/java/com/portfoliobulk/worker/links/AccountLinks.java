package com.portfoliobulk.worker.links;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.expiry.ExpiredInvitation;
import com.portfoliobulk.worker.expiry.ExpiredInvitationEntries;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlValue;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Links accounts to a portfolio and unlinks them, as the portfolio's Owner asked through the
 * gateway. An account belongs to at most one portfolio (one left linked to a closed portfolio, by a
 * close whose last unlinking failed, to none: a link elsewhere unlinks it there first); unlinking leaves its users and memberships
 * as they are, and bulk tasks of the portfolio planned for it are skipped when applied
 * ({@code ACCOUNT_NOT_IN_PORTFOLIO}), also once it is linked again. Each link change, and each invitation an unlink ends, is an entry
 * in the account's activity log: it is noted in {@code directory.account_link_changes} in the change's
 * own transaction, and {@link AccountLinkEntries} publishes it once committed, so a change is logged
 * once, and one that did not commit never.
 */
@Service
class AccountLinks {

    /** The most accounts unlinked per transaction when a portfolio closes. */
    static final int BATCH = 1000;

    /**
     * The most pending invitations (expired or not) the accounts of one transaction of a close's
     * unlinking have, but for an account that has more on its own, unlinked alone ({@link #CHOOSE}):
     * each takes 10 to 25 µs to end and note (a loaded 2-core machine), so a batch takes a fraction of a
     * second, and a call limited to a time budget ends soon after the budget ({@link #unlinkAll}). By
     * accounts alone, a batch of a portfolio whose 5,000 accounts had 200 pending invitations each (a
     * job of 1,000,000 invitations) ended 200,000 of them, 2.2 s or more, so the budget could not bound
     * a call. Smaller batches cost little: the choice reads the invitations it counts, no more.
     */
    static final int INVITATIONS_PER_BATCH = 20_000;

    /**
     * The accounts of the portfolio the next batch of a close's unlinking takes, with how many accounts
     * it looked at: the first {@value #BATCH} linked ones in id order, up to the account of the
     * ({@code :invitations} + 1)th pending invitation among them (their invitations read account by
     * account in that order, from the memberships' primary key, up to that one), and at least the first,
     * however many it has. Fewer taken than looked at, or {@value #BATCH} looked at, leaves accounts for
     * the next batch.
     */
    static final String CHOOSE = """
            WITH candidates AS MATERIALIZED (
                SELECT id FROM directory.accounts WHERE portfolio_id = :portfolioId ORDER BY id LIMIT :batch),
            cut AS MATERIALIZED (
                SELECT c.id FROM (SELECT id FROM candidates ORDER BY id) c
                 CROSS JOIN LATERAL (SELECT 1 FROM directory.memberships m
                                      WHERE m.account_id = c.id AND m.state = 'INVITED') m
                 ORDER BY c.id
                OFFSET :invitations LIMIT 1)
            SELECT c.id, (SELECT count(*) FROM candidates) AS candidates FROM candidates c
             WHERE NOT EXISTS (SELECT 1 FROM cut)
                OR c.id < (SELECT id FROM cut)
                OR c.id = (SELECT id FROM candidates ORDER BY id LIMIT 1)
            """;

    /** Expired invitations an unlink ends, and holds in memory, per statement ({@link #END_EXPIRED}). */
    static final int EXPIRED_CHUNK = 5000;

    /** Where the first statement of {@link #END_EXPIRED} starts: no uuid orders before it. */
    private static final UUID FIRST = new UUID(0, 0);

    /**
     * Ends up to {@code :chunk} expired invitations on the accounts, those from {@code (:fromAccount,
     * :fromUser)} on in primary-key order, and answers what their entries need, with how many it chose
     * and the last it chose. The next statement starts at that one: the invitations this transaction
     * ended are gone for it, so none is read twice, and each statement reads the primary key from where
     * the last one stopped rather than from the start, past the entries of those already ended. It
     * answers one row even when none of those it chose could be ended (each is checked again as it is
     * deleted: one ended, accepted or renewed meanwhile is left alone), so that it goes on after them.
     */
    static final String END_EXPIRED = """
            WITH chosen AS MATERIALIZED (
                SELECT account_id, user_id FROM directory.memberships
                 WHERE account_id = ANY(:accounts) AND state = 'INVITED' AND expires_at <= now()
                   AND (account_id, user_id) >= (:fromAccount, :fromUser)
                 ORDER BY account_id, user_id
                 LIMIT :chunk),
            ended AS (
                DELETE FROM directory.memberships m
                 USING chosen c, directory.users u
                 WHERE m.account_id = c.account_id AND m.user_id = c.user_id
                   AND m.state = 'INVITED' AND m.expires_at <= now() AND u.id = m.user_id
                RETURNING m.account_id, m.user_id, u.email, m.role, m.expires_at, m.invitation_job_id,
                          (SELECT j.requested_by_user_id FROM jobs.bulk_jobs j
                            WHERE j.id = m.invitation_job_id) AS inviter_id,
                          (SELECT j.requested_by_email FROM jobs.bulk_jobs j
                            WHERE j.id = m.invitation_job_id) AS inviter_email),
            last AS (
                SELECT account_id, user_id, count(*) OVER () AS chosen FROM chosen
                 ORDER BY account_id DESC, user_id DESC
                 LIMIT 1)
            SELECT l.chosen, l.account_id AS last_account_id, l.user_id AS last_user_id,
                   e.account_id, e.user_id, e.email, e.role, e.expires_at, e.invitation_job_id,
                   e.inviter_id, e.inviter_email
              FROM last l LEFT JOIN ended e ON true
            """;

    /** The standard account roles' codes: every portfolio defines them. */
    private static final List<String> STANDARD_ROLES =
            AccountRole.standardRoles().stream().map(AccountRole::code).toList();

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    AccountLinks(JdbcClient jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    enum Result {
        LINKED,
        UNLINKED,
        ALREADY,
        NO_SUCH_ACCOUNT,
        NO_SUCH_PORTFOLIO,
        IN_ANOTHER_PORTFOLIO,
        NOT_LINKED
    }

    /**
     * Links the account to the portfolio, unless it is linked there already, is linked to another open
     * portfolio, or its memberships hold roles the portfolio does not define.
     *
     * @throws UndefinedRoles when the account's memberships hold roles the portfolio does not define
     *     ({@link #undefinedRoles}): nothing is changed
     */
    @Transactional
    Result link(UUID portfolioId, UUID accountId, Actor actor) {
        // The portfolio's row is held (FOR SHARE) until this link commits, so a close's unlinking of
        // every account (which takes it FOR NO KEY UPDATE) waits for this link and then sees it. A
        // closed portfolio is none to link to; checked by a statement after the lock, whose snapshot
        // holds a close committed while this link waited.
        boolean portfolio = !jdbc.sql("SELECT 1 FROM directory.portfolios WHERE id = :id FOR SHARE")
                        .param("id", portfolioId)
                        .query(Integer.class)
                        .list()
                        .isEmpty()
                && !closed(portfolioId);
        if (!portfolio) {
            return Result.NO_SUCH_PORTFOLIO;
        }
        List<UUID> current = jdbc.sql("SELECT portfolio_id FROM directory.accounts WHERE id = :id FOR UPDATE")
                .param("id", accountId)
                .query((rs, row) -> rs.getObject("portfolio_id", UUID.class))
                .list();
        if (current.isEmpty()) {
            return Result.NO_SUCH_ACCOUNT;
        }
        UUID linkedTo = current.getFirst();
        if (portfolioId.equals(linkedTo)) {
            return Result.ALREADY;
        }
        if (linkedTo != null) {
            if (!closed(linkedTo)) {
                return Result.IN_ANOTHER_PORTFOLIO;
            }
            // Left linked to a closed portfolio: its close's last unlinking failed (the worker could not be
            // reached), and no one may unlink it there any more. It is free: unlinked first as an unlink
            // does it, by this link's actor, its pending invitations ended and each change logged.
            unlink(linkedTo, accountId, actor);
        }
        Map<String, Long> undefined = undefinedRoles(portfolioId, accountId);
        if (!undefined.isEmpty()) {
            // Rolls the link back, with the unlink from a closed portfolio it began with.
            throw new UndefinedRoles(undefined);
        }
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = :portfolioId WHERE id = :id")
                .param("portfolioId", portfolioId)
                .param("id", accountId)
                .update();
        noteLinkChange(portfolioId, List.of(accountId), ActivityAction.ACCOUNT_LINKED, actor);
        return Result.LINKED;
    }

    /**
     * The roles the account's memberships (invitations still pending included) hold that are neither a
     * standard role nor one of the portfolio's custom account roles, each with how many memberships hold
     * it; none, for an account the portfolio may link. Linked, those memberships would hold a code the
     * portfolio does not define (given in another portfolio, or deleted by this one while the account was
     * unlinked), and a role defined later with that code would give them its permissions. Read with the account locked ({@code FOR UPDATE}), which keeps its
     * memberships as they are. Each custom code they hold is kept from being deleted until this link
     * commits, as {@code PortfolioAdministration.deleteAccountRole} in the gateway takes it (a shared
     * advisory lock on {@code account-role:<portfolio>:<code>}; the worker may read the roles, not lock
     * their rows): a deletion under way, which found no membership of the portfolio's accounts holding it,
     * ends first and is then seen here, and one that comes after waits for this link and then counts the
     * account's memberships.
     */
    private Map<String, Long> undefinedRoles(UUID portfolioId, UUID accountId) {
        List<String> custom = jdbc.sql("""
                        SELECT DISTINCT role FROM directory.memberships
                         WHERE account_id = :id AND role NOT IN (:standard) ORDER BY role
                        """)
                .param("id", accountId)
                .param("standard", STANDARD_ROLES)
                .query(String.class)
                .list();
        if (custom.isEmpty()) {
            return Map.of();
        }
        for (String code : custom) {
            jdbc.sql("SELECT true FROM pg_advisory_xact_lock_shared(hashtextextended(:key, 0))")
                    .param("key", "account-role:" + portfolioId + ":" + code)
                    .query(Boolean.class)
                    .single();
        }
        Map<String, Long> undefined = new LinkedHashMap<>();
        jdbc.sql("""
                        SELECT m.role, count(*) AS memberships FROM directory.memberships m
                         WHERE m.account_id = :id AND m.role IN (:custom)
                           AND NOT EXISTS (SELECT 1 FROM jobs.account_roles r
                                            WHERE r.portfolio_id = :portfolioId AND r.code = m.role)
                         GROUP BY m.role ORDER BY m.role
                        """)
                .param("id", accountId)
                .param("custom", custom)
                .param("portfolioId", portfolioId)
                .query(rs -> {
                    undefined.put(rs.getString("role"), rs.getLong("memberships"));
                });
        return undefined;
    }

    /**
     * A link refused: the account's memberships hold roles the portfolio does not define ({@link
     * #undefinedRoles}), by code with how many memberships hold each, in code order.
     */
    static final class UndefinedRoles extends RuntimeException {

        private final transient Map<String, Long> roles;

        UndefinedRoles(Map<String, Long> roles) {
            super("The account's memberships hold account roles the portfolio does not define: " + roles);
            this.roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles));
        }

        /** The codes, in code order, each with how many memberships hold it. */
        Map<String, Long> roles() {
            return roles;
        }
    }

    /** Whether the portfolio was closed: its close has committed. */
    private boolean closed(UUID portfolioId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM jobs.closed_portfolios WHERE portfolio_id = :id)")
                .param("id", portfolioId)
                .query(Boolean.class)
                .single();
    }

    /**
     * Unlinks the account. Its row is locked {@code FOR UPDATE} first, which waits for the task batches
     * that read it linked (they hold it {@code FOR KEY SHARE}, which the update itself would not wait
     * for) and makes those that start now wait for this one's outcome. The unlink's time ({@code
     * unlinked_at}, by the database's clock under that lock) keeps the tasks planned before it from
     * being applied once the account is linked again: a batch skips them ({@code DirectoryStore}).
     */
    @Transactional
    Result unlink(UUID portfolioId, UUID accountId, Actor actor) {
        jdbc.sql("SELECT 1 FROM directory.accounts WHERE id = :id AND portfolio_id = :portfolioId FOR UPDATE")
                .param("portfolioId", portfolioId)
                .param("id", accountId)
                .query(Integer.class)
                .list();
        int unlinked = jdbc.sql("""
                        UPDATE directory.accounts SET portfolio_id = NULL, unlinked_at = clock_timestamp()
                        WHERE id = :id AND portfolio_id = :portfolioId
                        """)
                .param("portfolioId", portfolioId)
                .param("id", accountId)
                .update();
        if (unlinked == 0) {
            return Result.NOT_LINKED;
        }
        endInvitations(portfolioId, List.of(accountId), actor);
        noteLinkChange(portfolioId, List.of(accountId), ActivityAction.ACCOUNT_UNLINKED, actor);
        return Result.UNLINKED;
    }

    /**
     * Unlinks every account of the portfolio, in batches of at most {@value #BATCH} accounts and
     * {@value #INVITATIONS_PER_BATCH} pending invitations, each in its own transaction with its
     * activity entries; a failure leaves the rest linked, and calling again finishes the job. With a
     * {@code budget}, starts no batch once it has passed (but always one), so that a caller that waits
     * a few seconds for the answer gets it, and calls again while {@link Unlinking#more}: a close of a
     * large portfolio took longer than the gateway waits, and answered 503 while the worker went on.
     * Without one (a gateway of a version before it, which calls once), unlinks them all.
     *
     * @param budget how long to go on starting batches; {@code null}: until every account is unlinked
     */
    Unlinking unlinkAll(UUID portfolioId, Actor actor, Duration budget) {
        long start = System.nanoTime();
        long total = 0;
        while (true) {
            Batch batch = transaction.execute(status -> unlinkBatch(portfolioId, actor));
            total += batch.unlinked();
            if (!batch.more()) {
                return new Unlinking(total, false);
            }
            if (budget != null && System.nanoTime() - start >= budget.toNanos()) {
                return new Unlinking(total, true);
            }
        }
    }

    /**
     * What a call of {@link #unlinkAll} did: how many accounts it unlinked, and whether some may be
     * linked still (it stopped at its budget).
     */
    record Unlinking(long unlinked, boolean more) {}

    /** What one batch did: how many accounts it unlinked, and whether it left some for the next. */
    private record Batch(int unlinked, boolean more) {}

    private Batch unlinkBatch(UUID portfolioId, Actor actor) {
        // Waits for links of the portfolio under way, which the choice below then sees (see link); a link
        // that comes after waits for this transaction.
        jdbc.sql("SELECT 1 FROM directory.portfolios WHERE id = :id FOR NO KEY UPDATE")
                .param("id", portfolioId)
                .query(Integer.class)
                .list();
        long[] candidates = {0};
        List<UUID> chosen = jdbc.sql(CHOOSE)
                .param("portfolioId", portfolioId)
                .param("batch", BATCH)
                .param("invitations", INVITATIONS_PER_BATCH)
                .query((rs, row) -> {
                    candidates[0] = rs.getLong("candidates");
                    return rs.getObject("id", UUID.class);
                })
                .list();
        if (chosen.isEmpty()) {
            return new Batch(0, false);
        }
        // Locked FOR UPDATE first, as an unlink locks its account: waits for the task batches that read
        // them linked. One unlinked meanwhile on its own is left to that unlink.
        List<UUID> accounts = jdbc.sql("""
                        UPDATE directory.accounts SET portfolio_id = NULL, unlinked_at = clock_timestamp()
                        WHERE id IN (SELECT id FROM directory.accounts
                                      WHERE id = ANY(:chosen) AND portfolio_id = :portfolioId
                                      ORDER BY id FOR UPDATE)
                        RETURNING id
                        """)
                .param("portfolioId", portfolioId)
                .param("chosen", PostgresArrays.uuids(chosen))
                .query((rs, row) -> rs.getObject("id", UUID.class))
                .list();
        endInvitations(portfolioId, accounts, actor);
        noteLinkChange(portfolioId, accounts, ActivityAction.ACCOUNT_UNLINKED, actor);
        noteUnlinkedForTheClose(portfolioId, accounts);
        return new Batch(accounts.size(), candidates[0] == BATCH || chosen.size() < candidates[0]);
    }

    /**
     * Notes each account this unlinking of every account took as one the portfolio's close asked to
     * unlink ({@code jobs.account_unlinks_asked}, the gateway's), in the unlink's own transaction: the
     * close, the gateway's only caller of it, counts the accounts it unlinked from these notes, and until
     * it ends they let the portfolio read the accounts' activity logs. The gateway notes the accounts
     * linked when the close begins, and one linked while it runs in the link's turn; an account whose
     * link the worker made while the gateway no longer waited for its answer (503) had no note, was
     * unlinked here, and was left out of the close's count. Not once the portfolio is marked closed: the
     * close's last step has counted the notes and deleted them, and its last unlinking counts what it
     * unlinks from the answer.
     */
    private void noteUnlinkedForTheClose(UUID portfolioId, List<UUID> accounts) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id, asked_at)
                        SELECT :portfolioId, a, statement_timestamp() FROM unnest(:accounts) AS a
                         WHERE NOT EXISTS (SELECT 1 FROM jobs.closed_portfolios WHERE portfolio_id = :portfolioId)
                        ON CONFLICT (portfolio_id, account_id) DO UPDATE SET asked_at = excluded.asked_at
                        """)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("portfolioId", portfolioId)
                .update();
    }

    /**
     * Ends every pending invitation on accounts the portfolio no longer has, also those no job made
     * (seeded ones, and those from before invitations named their job): their links must not give access
     * to an account that left it (and may belong to another portfolio by now), and they must not keep
     * that portfolio's own invitations out. An e-mail still to be sent leaves them out, and an accepted
     * invitation is a membership like any other, kept. Each ended invitation is noted for its account's
     * log, before the unlink itself, with its custom role's name as it is now (a close deletes the
     * portfolio's roles before the note may be published): as revoked by the unlink's actor, or, once its
     * expiry has passed, as the expiry the sweep had not logged yet ({@link #endExpiredInvitations}). One
     * that no job made is noted with the id that stands for "no job", as its acceptance would be.
     */
    private void endInvitations(UUID portfolioId, List<UUID> accounts, Actor actor) {
        if (accounts.isEmpty()) {
            return;
        }
        endExpiredInvitations(portfolioId, accounts);
        jdbc.sql("""
                        WITH ended AS (
                            DELETE FROM directory.memberships m
                            WHERE m.account_id = ANY(:accounts) AND m.state = 'INVITED'
                            RETURNING m.account_id, m.user_id, m.role, m.invitation_job_id)
                        INSERT INTO directory.account_link_changes
                               (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                                user_id, email, role, role_name, job_id)
                        SELECT gen_random_uuid(), e.account_id, :portfolioId, 'INVITATION_REVOKED', :actorId,
                               :actorEmail, :actorKind, e.user_id, u.email, e.role, r.name,
                               coalesce(e.invitation_job_id, :noJob)
                          FROM ended e JOIN directory.users u ON u.id = e.user_id
                          LEFT JOIN jobs.account_roles r ON r.portfolio_id = :portfolioId AND r.code = e.role
                        """)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("portfolioId", portfolioId)
                .param("actorId", actor.userId())
                .param("actorEmail", actor.email())
                .param("actorKind", actor.kind().name())
                .param("noJob", ExpiredInvitation.NO_JOB)
                .update();
    }

    /**
     * Ends the invitations on the accounts whose expiry has passed but that the expiry sweep has not
     * ended yet (it runs every minute), each noted as the {@code
     * INVITATION_EXPIRED} entry the sweep would have logged: its id, dated at the expiry, by the inviter
     * (the requester of its job; for one that no job made, none, as the sweep logs it). {@value
     * #EXPIRED_CHUNK} at a time, in the unlink's transaction, each chunk's entries noted before the next
     * is read ({@link #END_EXPIRED}): read all at once, a close of a portfolio with a million expired
     * invitations (a large job's, which expire together, while the sweep could not run) held all of them
     * in memory, and the worker ran out of it, again with each retry of the close.
     */
    private void endExpiredInvitations(UUID portfolioId, List<UUID> accounts) {
        SqlValue accountIds = PostgresArrays.uuids(accounts);
        UUID fromAccount = FIRST;
        UUID fromUser = FIRST;
        while (true) {
            ExpiredChunk chunk = new ExpiredChunk(portfolioId);
            jdbc.sql(END_EXPIRED)
                    .param("accounts", accountIds)
                    .param("fromAccount", fromAccount)
                    .param("fromUser", fromUser)
                    .param("chunk", EXPIRED_CHUNK)
                    .query(chunk::add);
            ExpiredInvitationEntries.note(jdbc, chunk.ended);
            if (chunk.chosen < EXPIRED_CHUNK) {
                return;
            }
            fromAccount = chunk.lastAccount;
            fromUser = chunk.lastUser;
        }
    }

    /**
     * What one statement of {@link #endExpiredInvitations} read: how many expired invitations it chose,
     * the last of them (where the next statement goes on), and the entries of those it ended.
     */
    private static final class ExpiredChunk {

        private final UUID portfolioId;

        private final List<AccountActivityEvent> ended = new ArrayList<>();

        private long chosen;

        private UUID lastAccount;

        private UUID lastUser;

        ExpiredChunk(UUID portfolioId) {
            this.portfolioId = portfolioId;
        }

        void add(ResultSet rs) throws SQLException {
            chosen = rs.getLong("chosen");
            lastAccount = rs.getObject("last_account_id", UUID.class);
            lastUser = rs.getObject("last_user_id", UUID.class);
            UUID accountId = rs.getObject("account_id", UUID.class);
            if (accountId == null) {
                // Chosen, but no longer expired or no longer there when deleted (ended meanwhile).
                return;
            }
            UUID inviterId = rs.getObject("inviter_id", UUID.class);
            ended.add(new ExpiredInvitation(
                            accountId,
                            rs.getObject("user_id", UUID.class),
                            rs.getString("email"),
                            new AccountRole(rs.getString("role")),
                            rs.getTimestamp("expires_at").toInstant(),
                            rs.getObject("invitation_job_id", UUID.class),
                            inviterId == null ? null : new Actor(inviterId, rs.getString("inviter_email")))
                    .event(portfolioId));
        }
    }

    /** Notes, for the accounts' activity logs, that their link to the portfolio changed. */
    private void noteLinkChange(UUID portfolioId, List<UUID> accounts, ActivityAction action, Actor actor) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO directory.account_link_changes
                               (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind)
                        SELECT gen_random_uuid(), a, :portfolioId, :action, :actorId, :actorEmail, :actorKind
                          FROM unnest(:accounts) AS a
                        """)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("portfolioId", portfolioId)
                .param("action", action.name())
                .param("actorId", actor.userId())
                .param("actorEmail", actor.email())
                .param("actorKind", actor.kind().name())
                .update();
    }
}
