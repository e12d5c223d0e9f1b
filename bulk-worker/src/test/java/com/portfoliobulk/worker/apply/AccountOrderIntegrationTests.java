package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Membership;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.StatementCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

/**
 * Per-account order when the relay's records reach the topic out of order: the shape of a relay pass
 * that timed out (its job's relay position does not move, so its tasks are sent again) while a later
 * pass to the same partition succeeded, of a job whose transaction committed late, and of a record
 * lost after it was recorded as sent (which only the gateway's stuck-task sweep sends again). Records
 * go to the real broker with the later task first; the test plays the relay (it sends the tasks
 * waiting for it in seq order and records them as sent, as the gateway's relay does) and the sweep,
 * and asserts what a user sees: the memberships, the task outcomes and the order of the account's
 * activity.
 *
 * <p>The case: Ann is an Analyst on the account. An earlier job removes her access, a later one
 * invites her again. In seq order she ends invited (removed, then invited); applied the other way round
 * the invitation would be skipped (she is still a member) and the removal would win.
 */
class AccountOrderIntegrationTests extends WorkerIntegrationSupport {

    /** Tasks of the account that wait behind a lost record, in one test. */
    private static final int WAITING = 40;

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7));

    /** Jobs the test's relay sends too, besides the removal and the invitation. */
    private final List<SubmittedJob> alsoRelayed = new ArrayList<>();

    @Autowired
    MeterRegistry meters;

    @Autowired
    DataSource dataSource;

    @LocalServerPort
    int port;

    private UUID portfolioId;

    private UUID accountId;

    private UUID ann;

    private SubmittedJob removal;

    private SubmittedJob invitation;

    @BeforeEach
    void removalThenInvitation() {
        Portfolio portfolio = directory.portfolio(1);
        portfolioId = portfolio.id();
        accountId = portfolio.ownedAccount(0).id();
        ann = directory.user();
        directory.member(accountId, ann, AccountRole.ANALYST);
        removal = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(accountId, ann)));
        invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(accountId, ann, directory.email(ann), AccountRole.SUPPORT, inAWeek)));
    }

    @Test
    void aLaterTaskThatArrivesFirstWaitsForTheEarlierUnpublishedOneAndIsThenAppliedInOrder() {
        double deferredBefore = deferredCount();

        // The later pass reached the topic; the earlier one timed out and its job's position did not move.
        sendAsRelay(invitation.message(0));

        awaitDeferred(invitation.taskId(0));
        assertThat(jobs.task(invitation.taskId(0)).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(directory.membership(accountId, ann))
                .as("nothing applied out of order")
                .map(Membership::role)
                .contains(AccountRole.ANALYST);
        // Counted after the transaction that deferred it commits.
        await().atMost(PATIENCE)
                .untilAsserted(
                        () -> assertThat(deferredCount() - deferredBefore).isGreaterThanOrEqualTo(1));

        // The relay sends the waiting tasks again, in seq order; the deferred one follows once released.
        relayUntilFinished();

        assertSeqOrderWon();
    }

    /**
     * A deferred task whose record comes again while it waits (a relay pass sent twice, a batch delivered
     * again) counts once in {@code bulk_tasks_deferred_total}: it was deferred once. Every delivery counted
     * it, so the counter grew with each repeat.
     */
    @Test
    void aDeferredTaskWhoseRecordComesAgainIsCountedOnce() {
        double before = scrapedDeferred();
        sendAsRelay(invitation.message(0));
        awaitDeferred(invitation.taskId(0));

        taskRecords().publish(List.of(invitation.message(0)));
        awaitPartitionHandled(accountId);

        assertThat(scrapedDeferred() - before).as("bulk_tasks_deferred_total").isEqualTo(1);
        relayUntilFinished();
        assertSeqOrderWon();
    }

    @Test
    void aLaterTaskWaitsWithoutLoopingForAnEarlierRecordThatWasLostUntilTheSweepSendsItAgain() {
        recordSent(removal.message(0));

        sendAsRelay(invitation.message(0));

        awaitDeferred(invitation.taskId(0));
        assertThat(relayWaiting())
                .as("the deferred task is not handed back to the relay while the earlier one is pending")
                .isZero();
        assertThat(isWaitingForTheRelay(invitation.taskId(0))).isFalse();
        assertThat(directory.membership(accountId, ann)).map(Membership::role).contains(AccountRole.ANALYST);

        // The stuck-task sweep queues the lost task to be sent again; the relay sends it.
        jdbc.sql("INSERT INTO jobs.task_republications (task_id, seq) SELECT id, seq FROM jobs.bulk_tasks WHERE id = ?")
                .param(removal.taskId(0))
                .update();
        relayUntilFinished();

        assertSeqOrderWon();
    }

    /**
     * Many tasks of one account wait behind a lost record (a relay pass of a large job lost, say): each
     * is deferred, as before, and applied in seq order once the sweep sends the lost one again. The order
     * check reads at most one earlier pending task per account of a batch, whatever the number of its
     * tasks that wait: it read all of them, and held them in memory, for every batch.
     */
    @Test
    void theOrderCheckReadsOneEarlierTaskPerAccountHoweverManyWaitBehindALostRecord() {
        List<UUID> invitees = new ArrayList<>();
        List<JobFixture.TaskSpec> invitations = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) {
            UUID invitee = directory.user();
            invitees.add(invitee);
            invitations.add(invite(accountId, invitee, directory.email(invitee), AccountRole.ANALYST, inAWeek));
        }
        SubmittedJob many = jobs.submit(portfolioId, JobType.INVITE_USERS, JobFixture.administrator(), invitations);
        alsoRelayed.add(many);
        recordSent(removal.message(0));

        List<StatementCounter.Statement> orderChecks;
        try (StatementCounter statements = StatementCounter.open(dataSource, TaskListener.ID)) {
            orderChecks = statements.keep(sql -> sql.contains("last_seq"));
            List<BulkTaskMessage> records = new ArrayList<>(List.of(invitation.message(0)));
            records.addAll(many.messages());
            sendAsRelay(records.toArray(BulkTaskMessage[]::new));
            awaitDeferred(invitation.taskId(0));
            for (int i = 0; i < WAITING; i++) {
                awaitDeferred(many.taskId(i));
            }
        }

        assertThat(directory.membership(accountId, ann)).map(Membership::role).contains(AccountRole.ANALYST);
        assertThat(invitees)
                .allSatisfy(invitee ->
                        assertThat(directory.membership(accountId, invitee)).isEmpty());
        assertThat(orderChecks).as("order checks of the batches").isNotEmpty();
        for (StatementCounter.Statement orderCheck : orderChecks) {
            // The statement the worker ran, run again: the tasks are still pending as they were.
            List<UUID> read = jdbc.sql(orderCheck.sql())
                    .params(orderCheck.parameters())
                    .query((rs, row) -> rs.getObject("account_id", UUID.class))
                    .list();
            assertThat(read)
                    .as("earlier pending tasks the order check reads per account")
                    .doesNotHaveDuplicates();
        }

        // The stuck-task sweep queues the lost task to be sent again; the relay sends it.
        jdbc.sql("INSERT INTO jobs.task_republications (task_id, seq) SELECT id, seq FROM jobs.bulk_tasks WHERE id = ?")
                .param(removal.taskId(0))
                .update();
        relayUntilFinished();

        assertSeqOrderWon();
        assertThat(jobs.job(many.id()).status()).isEqualTo(JobStatus.COMPLETED);
        for (int i = 0; i < WAITING; i++) {
            assertThat(jobs.task(many.taskId(i)).appliedAt())
                    .isAfterOrEqualTo(jobs.task(invitation.taskId(0)).appliedAt());
        }
        assertThat(invitees)
                .allSatisfy(invitee -> assertThat(directory.membership(accountId, invitee))
                        .map(Membership::state)
                        .contains(MembershipState.INVITED));
    }

    @Test
    void anAccountsTasksOutOfOrderInOneBurstAreAppliedInSeqOrder() {
        // The resent earlier pass lands right behind the later one: both records in one partition, later first.
        sendAsRelay(invitation.message(0), removal.message(0));

        relayUntilFinished();

        assertSeqOrderWon();
    }

    @Test
    void aCancelledEarlierTaskDoesNotHoldBackALaterOne() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ben = directory.user();
        directory.member(account, ben, AccountRole.ANALYST);
        SubmittedJob promotion = jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(changeRole(account, ben, AccountRole.MANAGER)));
        SubmittedJob leave = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ben)));
        jobs.cancel(promotion.id());

        sendAsRelay(leave.message(0));

        awaitFinished(leave);
        assertThat(jobs.task(leave.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(deferredAt(leave.taskId(0))).as("never deferred").isNull();
        assertThat(directory.membership(account, ben)).isEmpty();
    }

    /**
     * An account moved from portfolio A, whose task for it is still waiting for the relay (last of a
     * large job, say), to portfolio B: B's offboarding of one of its users is applied at once. A's task
     * will be skipped whenever it comes (the account left A), so it holds nothing back; it held B's task
     * back until the relay reached it.
     */
    @Test
    void aTaskOfTheAccountsNewPortfolioDoesNotWaitForAPendingTaskOfTheOldOne() {
        Portfolio before = directory.portfolio(1);
        UUID account = before.ownedAccount(0).id();
        UUID cleo = directory.user();
        directory.member(account, cleo, AccountRole.ANALYST);
        SubmittedJob stale = jobs.submit(
                before.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(changeRole(account, cleo, AccountRole.MANAGER)));
        Portfolio after = directory.portfolio();
        directory.unlink(account);
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = ?, unlinked_at = clock_timestamp() WHERE id = ?")
                .param(after.id())
                .param(account)
                .update();
        SubmittedJob offboarding = jobs.submit(
                after.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, cleo)));

        sendAsRelay(offboarding.message(0));

        awaitFinished(offboarding);
        assertThat(jobs.task(offboarding.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(deferredAt(offboarding.taskId(0))).as("never deferred").isNull();
        assertThat(directory.membership(account, cleo)).as("offboarded").isEmpty();
        assertThat(jobs.task(stale.taskId(0)).status())
                .as("the old portfolio's task, not sent yet")
                .isEqualTo(TaskStatus.PENDING);

        // The relay reaches the old portfolio's task: skipped, and the user stays offboarded.
        sendAsRelay(stale.message(0));

        awaitFinished(stale);
        assertThat(jobs.task(stale.taskId(0)).status()).isEqualTo(TaskStatus.SKIPPED);
        assertThat(jobs.task(stale.taskId(0)).reason()).isEqualTo(ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO);
        assertThat(directory.membership(account, cleo)).isEmpty();
    }

    /** Removed, then invited: as submitted, whatever order the records came in. */
    private void assertSeqOrderWon() {
        assertThat(jobs.task(removal.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(jobs.task(invitation.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        Membership membership = directory.membership(accountId, ann).orElseThrow();
        assertThat(membership.state()).isEqualTo(MembershipState.INVITED);
        assertThat(membership.role()).isEqualTo(AccountRole.SUPPORT);
        // Applied in one transaction (both records in one batch), or the invitation later.
        assertThat(jobs.task(invitation.taskId(0)).appliedAt())
                .isAfterOrEqualTo(jobs.task(removal.taskId(0)).appliedAt());
        await().atMost(PATIENCE).untilAsserted(() -> {
            List<AccountActivityEvent> activity =
                    distinct(activityOf(List.of(removal.taskId(0), invitation.taskId(0))));
            assertThat(activity)
                    .extracting(AccountActivityEvent::action)
                    .containsExactly(ActivityAction.ACCESS_REMOVED, ActivityAction.USER_INVITED);
            assertThat(activity.get(1).occurredAt())
                    .isAfterOrEqualTo(activity.get(0).occurredAt());
        });
    }

    /** Publishes the records, in this order, as a relay pass that succeeded: sent, then recorded as sent. */
    private void sendAsRelay(BulkTaskMessage... records) {
        taskRecords().publish(List.of(records));
        for (BulkTaskMessage record : records) {
            recordSent(record);
        }
    }

    /**
     * One pass of the relay over this test's tasks: sends the pending ones waiting for it in seq order
     * and records them as sent. Answers how many it sent.
     */
    private int relayWaiting() {
        Map<UUID, BulkTaskMessage> records = new LinkedHashMap<>();
        Stream.concat(Stream.of(removal, invitation), alsoRelayed.stream())
                .flatMap(job -> job.messages().stream())
                .forEach(record -> records.put(record.taskId(), record));
        List<UUID> waiting = jdbc.sql("""
                        SELECT t.id FROM jobs.bulk_tasks t JOIN jobs.bulk_jobs j ON j.id = t.job_id
                         WHERE t.id = ANY(?) AND t.status = 'PENDING'
                           AND ((NOT j.relay_done AND t.seq > j.relayed_seq)
                                OR t.id IN (SELECT task_id FROM jobs.task_republications))
                         ORDER BY t.seq
                        """)
                .param(records.keySet().toArray(UUID[]::new))
                .query(UUID.class)
                .list();
        List<BulkTaskMessage> batch = new ArrayList<>();
        waiting.forEach(id -> batch.add(records.get(id)));
        if (!batch.isEmpty()) {
            sendAsRelay(batch.toArray(BulkTaskMessage[]::new));
        }
        return batch.size();
    }

    private void relayUntilFinished() {
        await().atMost(PATIENCE).until(() -> {
            relayWaiting();
            return Stream.concat(Stream.of(removal, invitation), alsoRelayed.stream())
                    .allMatch(job -> jobs.job(job.id()).status().isTerminal());
        });
    }

    private void awaitDeferred(UUID taskId) {
        await().atMost(PATIENCE).until(() -> deferredAt(taskId) != null);
    }

    private Instant deferredAt(UUID taskId) {
        return jdbc.sql("SELECT deferred_at FROM jobs.bulk_tasks WHERE id = ?")
                .param(taskId)
                .query((rs, row) -> rs.getObject(1, OffsetDateTime.class))
                .optional()
                .map(OffsetDateTime::toInstant)
                .orElse(null);
    }

    private boolean isWaitingForTheRelay(UUID taskId) {
        return jdbc.sql("""
                        SELECT (NOT j.relay_done AND t.seq > j.relayed_seq)
                               OR t.id IN (SELECT task_id FROM jobs.task_republications)
                          FROM jobs.bulk_tasks t JOIN jobs.bulk_jobs j ON j.id = t.job_id
                         WHERE t.id = ?
                        """).param(taskId).query(Boolean.class).single();
    }

    /**
     * What the gateway's relay records for a task it sent: its job's position moves past it (the job is
     * done when nothing pending is left beyond), and its row in the republication queue goes.
     */
    private void recordSent(BulkTaskMessage record) {
        jdbc.sql("""
                        UPDATE jobs.bulk_jobs j
                           SET relayed_seq = greatest(j.relayed_seq, t.seq), relayed_at = now(),
                               relay_done = NOT EXISTS (
                                   SELECT 1 FROM jobs.bulk_tasks p
                                    WHERE p.job_id = j.id AND p.status = 'PENDING' AND p.seq > greatest(j.relayed_seq, t.seq))
                          FROM jobs.bulk_tasks t
                         WHERE t.id = ? AND j.id = t.job_id
                        """).param(record.taskId()).update();
        jdbc.sql("DELETE FROM jobs.task_republications WHERE task_id = ?")
                .param(record.taskId())
                .update();
    }

    private static List<AccountActivityEvent> distinct(List<AccountActivityEvent> events) {
        Map<UUID, AccountActivityEvent> byId = new LinkedHashMap<>();
        events.forEach(event -> byId.putIfAbsent(event.eventId(), event));
        return List.copyOf(byId.values());
    }

    /**
     * Waits until the worker has handled every record published so far to the partition of
     * {@code account}, its metrics included: two jobs of another account in that partition, one after the
     * other. The second is handled only once the listener call that handled the first has returned, and
     * with it every earlier record of the partition.
     */
    private void awaitPartitionHandled(UUID account) {
        Portfolio other = directory.portfolio();
        int partition = taskRecords().partitionOf(account.toString());
        UUID neighbour = other.account("Neighbour 0");
        for (int i = 1; taskRecords().partitionOf(neighbour.toString()) != partition; i++) {
            neighbour = other.account("Neighbour " + i);
        }
        for (int i = 0; i < 2; i++) {
            // Removes a user who is no member: skipped, and the job ends.
            SubmittedJob marker = jobs.submit(
                    other.id(),
                    JobType.REMOVE_ACCESS,
                    JobFixture.administrator(),
                    List.of(remove(neighbour, directory.user())));
            publish(marker);
            awaitFinished(marker);
        }
    }

    /** {@code bulk_tasks_deferred_total} as Prometheus scrapes it. */
    private double scrapedDeferred() {
        String metrics = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);
        Matcher deferred = Pattern.compile("(?m)^bulk_tasks_deferred_total\\{[^}]*} (\\S+)$")
                .matcher(metrics);
        assertThat(deferred.find()).as("bulk_tasks_deferred_total is scraped").isTrue();
        return Double.parseDouble(deferred.group(1));
    }

    private double deferredCount() {
        return meters.get("bulk.tasks.deferred").counter().count();
    }
}
