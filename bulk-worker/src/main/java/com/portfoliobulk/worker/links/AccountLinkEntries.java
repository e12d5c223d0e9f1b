package com.portfoliobulk.worker.links;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import com.portfoliobulk.worker.activity.OutboxPasses;
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
 * {@code ACCOUNT_LINKED} or {@code ACCOUNT_UNLINKED} entry in each account's activity log.
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

    /** Notes, in the caller's transaction, that the accounts' link to the portfolio changed. */
    void note(UUID portfolioId, List<UUID> accounts, ActivityAction action, Actor actor) {
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

    @Scheduled(fixedDelayString = "${bulk.worker.account-link-entries:1s}")
    void scheduled() {
        OutboxPasses.drain(this::logNext, BATCH, log, "Link changes wait to be logged until the next pass");
    }

    /** Logs up to {@value #BATCH} link changes; answers how many. */
    int logNext() {
        Integer logged = transactions.execute(status -> {
            List<AccountActivityEvent> events = jdbc.sql("""
                            SELECT event_id, account_id, portfolio_id, action, actor_id, actor_email, actor_kind,
                                   changed_at
                              FROM directory.account_link_changes
                             ORDER BY changed_at
                             LIMIT :batch
                               FOR UPDATE SKIP LOCKED
                            """)
                    .param("batch", BATCH)
                    .query((rs, n) -> AccountActivityEvent.linkChange(
                            rs.getObject("event_id", UUID.class),
                            rs.getObject("portfolio_id", UUID.class),
                            rs.getObject("account_id", UUID.class),
                            ActivityAction.valueOf(rs.getString("action")),
                            rs.getTimestamp("changed_at").toInstant(),
                            new Actor(
                                    rs.getObject("actor_id", UUID.class),
                                    rs.getString("actor_email"),
                                    ActorKind.valueOf(rs.getString("actor_kind")))))
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
}
