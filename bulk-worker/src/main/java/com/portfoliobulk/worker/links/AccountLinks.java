package com.portfoliobulk.worker.links;

import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Links accounts to a portfolio and unlinks them, as the portfolio's Owner asked through the
 * gateway. An account belongs to at most one portfolio; unlinking leaves its users and memberships
 * as they are, and bulk tasks of the portfolio planned for it are skipped when applied
 * ({@code ACCOUNT_NOT_IN_PORTFOLIO}). Each link change, and each invitation an unlink ends, is an entry
 * in the account's activity log: it is noted in {@code directory.account_link_changes} in the change's
 * own transaction, and {@link AccountLinkEntries} publishes it once committed, so a change is logged
 * once, and one that did not commit never.
 */
@Service
class AccountLinks {

    /** Accounts unlinked per statement when a portfolio closes. */
    private static final int BATCH = 1000;

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
                && !jdbc.sql("SELECT EXISTS (SELECT 1 FROM jobs.closed_portfolios WHERE portfolio_id = :id)")
                        .param("id", portfolioId)
                        .query(Boolean.class)
                        .single();
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
            return Result.IN_ANOTHER_PORTFOLIO;
        }
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = :portfolioId WHERE id = :id")
                .param("portfolioId", portfolioId)
                .param("id", accountId)
                .update();
        noteLinkChange(portfolioId, List.of(accountId), ActivityAction.ACCOUNT_LINKED, actor);
        return Result.LINKED;
    }

    /**
     * Unlinks the account. Its row is locked {@code FOR UPDATE} first, which waits for the task batches
     * that read it linked (they hold it {@code FOR KEY SHARE}, which the update itself would not wait
     * for) and makes those that start now wait for this one's outcome.
     */
    @Transactional
    Result unlink(UUID portfolioId, UUID accountId, Actor actor) {
        jdbc.sql("SELECT 1 FROM directory.accounts WHERE id = :id AND portfolio_id = :portfolioId FOR UPDATE")
                .param("portfolioId", portfolioId)
                .param("id", accountId)
                .query(Integer.class)
                .list();
        int unlinked = jdbc.sql("""
                        UPDATE directory.accounts SET portfolio_id = NULL
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
     * Unlinks every account of the portfolio, {@value #BATCH} per statement, each batch with its
     * activity entries; a failure leaves the rest linked, and calling again finishes the job.
     *
     * @return how many accounts were unlinked
     */
    long unlinkAll(UUID portfolioId, Actor actor) {
        long total = 0;
        while (true) {
            Integer unlinked = transaction.execute(status -> unlinkBatch(portfolioId, actor));
            total += unlinked == null ? 0 : unlinked;
            if (unlinked == null || unlinked < BATCH) {
                return total;
            }
        }
    }

    private int unlinkBatch(UUID portfolioId, Actor actor) {
        // Waits for links of the portfolio under way, which the update below then sees (see link).
        jdbc.sql("SELECT 1 FROM directory.portfolios WHERE id = :id FOR NO KEY UPDATE")
                .param("id", portfolioId)
                .query(Integer.class)
                .list();
        List<UUID> accounts = jdbc.sql("""
                        UPDATE directory.accounts SET portfolio_id = NULL
                        WHERE id IN (SELECT id FROM directory.accounts WHERE portfolio_id = :portfolioId
                                     ORDER BY id LIMIT :batch FOR UPDATE)
                        RETURNING id
                        """)
                .param("portfolioId", portfolioId)
                .param("batch", BATCH)
                .query((rs, row) -> rs.getObject("id", UUID.class))
                .list();
        endInvitations(portfolioId, accounts, actor);
        noteLinkChange(portfolioId, accounts, ActivityAction.ACCOUNT_UNLINKED, actor);
        return accounts.size();
    }

    /**
     * Ends the pending invitations the portfolio made on accounts it no longer has: their links must not
     * give access to an account that left it (and may belong to another portfolio by now), and they must
     * not keep that portfolio's own invitations out. An e-mail still to be sent leaves them out, and an
     * accepted invitation is a membership like any other, kept. Each ended invitation is noted for its
     * account's log as revoked by the unlink's actor, before the unlink itself, with its custom role's
     * name as it is now (a close deletes the portfolio's roles before the note may be published).
     */
    private void endInvitations(UUID portfolioId, List<UUID> accounts, Actor actor) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        WITH ended AS (
                            DELETE FROM directory.memberships m
                            USING jobs.bulk_jobs j
                            WHERE m.account_id = ANY(:accounts) AND m.state = 'INVITED'
                              AND j.id = m.invitation_job_id AND j.portfolio_id = :portfolioId
                            RETURNING m.account_id, m.user_id, m.role, m.invitation_job_id)
                        INSERT INTO directory.account_link_changes
                               (event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                                user_id, email, role, role_name, job_id)
                        SELECT gen_random_uuid(), e.account_id, :portfolioId, 'INVITATION_REVOKED', :actorId,
                               :actorEmail, :actorKind, e.user_id, u.email, e.role, r.name, e.invitation_job_id
                          FROM ended e JOIN directory.users u ON u.id = e.user_id
                          LEFT JOIN jobs.account_roles r ON r.portfolio_id = :portfolioId AND r.code = e.role
                        """)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("portfolioId", portfolioId)
                .param("actorId", actor.userId())
                .param("actorEmail", actor.email())
                .param("actorKind", actor.kind().name())
                .update();
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
