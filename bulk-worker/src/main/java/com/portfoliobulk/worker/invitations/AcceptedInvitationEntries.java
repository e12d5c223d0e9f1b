package com.portfoliobulk.worker.invitations;

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
import java.nio.charset.StandardCharsets;
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
 * Logs the accepted invitations {@link InvitationAcceptance} noted in {@code directory.accepted_invitations}:
 * an {@code INVITATION_ACCEPTED} entry in each account's activity log, in the invitee's name.
 *
 * <p>A pass takes up to {@value #BATCH} rows, oldest first, in one transaction (skipping rows another
 * worker holds), publishes their events, waiting for the broker, and deletes them before it commits.
 * If the commit then fails, the next pass publishes the same events again: the event id is derived
 * from the invitation (account, user, job), so the activity log records each once. While Kafka cannot
 * take them, the rows wait; acceptances go on.
 */
@Component
class AcceptedInvitationEntries {

    static final int BATCH = 500;

    private static final Logger log = LoggerFactory.getLogger(AcceptedInvitationEntries.class);

    private final JdbcClient jdbc;

    private final ActivityPublisher activity;

    private final TransactionTemplate transactions;

    AcceptedInvitationEntries(
            JdbcClient jdbc, ActivityPublisher activity, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.activity = activity;
        this.transactions = new TransactionTemplate(transactionManager);
    }

    @Scheduled(fixedDelayString = "${bulk.worker.accepted-invitation-entries:1s}")
    void scheduled() {
        OutboxPasses.drain(this::logNext, BATCH, log, "Accepted invitations wait to be logged until the next pass");
    }

    /** Logs up to {@value #BATCH} accepted invitations; answers how many. */
    int logNext() {
        Integer logged = transactions.execute(status -> {
            List<Row> rows = jdbc.sql("""
                            SELECT account_id, user_id, job_id, portfolio_id, email, role, accepted_at
                              FROM directory.accepted_invitations
                             ORDER BY accepted_at
                             LIMIT :batch
                               FOR UPDATE SKIP LOCKED
                            """)
                    .param("batch", BATCH)
                    .query((rs, n) -> new Row(
                            rs.getObject("account_id", UUID.class),
                            rs.getObject("user_id", UUID.class),
                            rs.getObject("job_id", UUID.class),
                            rs.getObject("portfolio_id", UUID.class),
                            rs.getString("email"),
                            rs.getString("role"),
                            rs.getTimestamp("accepted_at").toInstant()))
                    .list();
            if (rows.isEmpty()) {
                return 0;
            }
            activity.publishAndAwait(rows.stream().map(Row::event).toList(), "accepted invitations");
            jdbc.sql("""
                            DELETE FROM directory.accepted_invitations a
                             USING unnest(:accounts, :users, :jobs) AS k(account_id, user_id, job_id)
                             WHERE a.account_id = k.account_id AND a.user_id = k.user_id AND a.job_id = k.job_id
                            """)
                    .param(
                            "accounts",
                            PostgresArrays.uuids(
                                    rows.stream().map(Row::accountId).toList()))
                    .param(
                            "users",
                            PostgresArrays.uuids(rows.stream().map(Row::userId).toList()))
                    .param(
                            "jobs",
                            PostgresArrays.uuids(rows.stream().map(Row::jobId).toList()))
                    .update();
            return rows.size();
        });
        return logged == null ? 0 : logged;
    }

    /** The event id of the acceptance of the invitation of {@code jobId} for the user on the account. */
    static UUID eventId(UUID accountId, UUID userId, UUID jobId) {
        return UUID.nameUUIDFromBytes(
                ("invitation-accepted:" + accountId + ":" + userId + ":" + jobId).getBytes(StandardCharsets.UTF_8));
    }

    private record Row(
            UUID accountId, UUID userId, UUID jobId, UUID portfolioId, String email, String role, Instant acceptedAt) {

        AccountActivityEvent event() {
            UUID eventId = eventId(accountId, userId, jobId);
            return new AccountActivityEvent(
                    AccountActivityEvent.VERSION,
                    eventId,
                    acceptedAt,
                    accountId,
                    portfolioId,
                    jobId,
                    eventId,
                    ActivityAction.INVITATION_ACCEPTED,
                    new UserRef(userId, email),
                    null,
                    new AccountRole(role),
                    InitiationLevel.PORTFOLIO,
                    new Actor(userId, email, ActorKind.INVITEE),
                    null,
                    null);
        }
    }
}
