package com.portfoliobulk.worker.links;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import com.portfoliobulk.worker.activity.OutboxPasses;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Logs the link changes {@link AccountLinks} noted in {@code directory.account_link_changes}: an
 * {@code ACCOUNT_LINKED} or {@code ACCOUNT_UNLINKED} entry in each account's activity log, and an
 * {@code INVITATION_REVOKED} entry for each pending invitation an unlink ended, and the {@code
 * INVITATION_EXPIRED} entry of an expired invitation a new invitation renewed, or an unlink ended,
 * before the expiry sweep ended it (noted by that transaction, with the sweep's event id).
 *
 * <p>A pass takes up to {@value #BATCH} rows, oldest first, in one transaction (skipping rows another
 * worker holds), publishes their events, waiting for the broker, and deletes them before it commits.
 * If the commit then fails, the next pass publishes the same events again with the ids their rows keep,
 * so the activity log records each once. While Kafka cannot take them, the rows wait; links go on.
 */
@Component
class AccountLinkEntries {

    static final int BATCH = 500;

    private static final Logger log = LoggerFactory.getLogger(AccountLinkEntries.class);

    private final JdbcClient jdbc;

    private final ActivityPublisher activity;

    private final TransactionTemplate transactions;

    AccountLinkEntries(JdbcClient jdbc, ActivityPublisher activity, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.activity = activity;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    @Scheduled(fixedDelayString = "${bulk.worker.account-link-entries:1s}")
    void scheduled() {
        OutboxPasses.drain(this::logNext, BATCH, log, "Link changes wait to be logged until the next pass");
    }

    /** Logs up to {@value #BATCH} link changes; answers how many. */
    int logNext() {
        Integer logged = transactions.execute(status -> {
            List<AccountActivityEvent> events = jdbc.sql("""
                            SELECT event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                                   user_id, email, role, role_name, job_id, changed_at
                              FROM directory.account_link_changes
                             ORDER BY changed_at
                             LIMIT :batch
                               FOR UPDATE SKIP LOCKED
                            """)
                    .param("batch", BATCH)
                    .query((rs, n) -> event(
                            rs.getObject("event_id", UUID.class),
                            rs.getObject("account_id", UUID.class),
                            rs.getObject("portfolio_id", UUID.class),
                            ActivityAction.valueOf(rs.getString("action")),
                            new Actor(
                                    rs.getObject("actor_id", UUID.class),
                                    rs.getString("actor_email"),
                                    ActorKind.valueOf(rs.getString("actor_kind"))),
                            rs.getObject("user_id", UUID.class),
                            rs.getString("email"),
                            rs.getString("role"),
                            rs.getString("role_name"),
                            rs.getObject("job_id", UUID.class),
                            rs.getTimestamp("changed_at").toInstant()))
                    .list();
            if (events.isEmpty()) {
                return 0;
            }
            activity.publishAndAwait(events, "link changes");
            jdbc.sql("DELETE FROM directory.account_link_changes WHERE event_id = ANY(:ids)")
                    .param(
                            "ids",
                            PostgresArrays.uuids(events.stream()
                                    .map(AccountActivityEvent::eventId)
                                    .toList()))
                    .update();
            return events.size();
        });
        return logged == null ? 0 : logged;
    }

    /**
     * A noted row's event: a link change, or an invitation an unlink ended (revoked by the unlink's
     * actor, offering the role it offered, named as the unlink found it; {@code CustomRoleNames} keeps
     * that name when the role is gone by the time the event is published).
     */
    private static AccountActivityEvent event(
            UUID eventId,
            UUID accountId,
            UUID portfolioId,
            ActivityAction action,
            Actor actor,
            UUID userId,
            String email,
            String role,
            String roleName,
            UUID jobId,
            Instant changedAt) {
        if (action.isLinkChange()) {
            return AccountActivityEvent.linkChange(eventId, portfolioId, accountId, action, changedAt, actor);
        }
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                eventId,
                changedAt,
                accountId,
                portfolioId,
                jobId,
                eventId,
                action,
                new UserRef(userId, email),
                new AccountRole(role),
                null,
                InitiationLevel.PORTFOLIO,
                actor,
                roleName,
                null);
    }
}
