package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.TaskTopic;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.StoredRecordBatches;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.common.record.CompressionType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The relay publishes the outbox in order, one instance at a time, and exposes its backlog. Tests
 * stop it by holding its advisory lock from a connection of their own.
 */
class TaskRelayIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    TaskRelay relay;

    @Autowired
    Outbox outbox;

    @Autowired
    KafkaTemplate<String, BulkTaskMessage> kafka;

    @Autowired
    RelayProperties properties;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    TaskRelayLoop loop;

    @Autowired
    DataSource dataSource;

    private TaskTopic taskTopic;

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private List<UUID> accounts;

    @BeforeEach
    void arrange() {
        taskTopic = TaskTopic.fromNow(bootstrapServers, topic);
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        accounts = portfolio.accounts(30);
        accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
    }

    @AfterEach
    void closeTopic() {
        taskTopic.close();
    }

    @Test
    void whileAnotherInstanceRelaysThisOneDoesNot() throws Exception {
        UUID jobId;
        try (RelayLock lock = holdRelayLock()) {
            jobId = offboardAnn();

            assertThat(relay.publishNextBatch().leader()).isFalse();
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> unrelayed(jobId) == 30);
        }

        taskTopic.awaitJob(jobId, 30);
        await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(jobId) == 0);
    }

    @Test
    void linesWrittenWhileAJobsTasksArePublishedCarryItsJobPortfolioAndTrace() throws Exception {
        try (LogLines lines = LogLines.of(TaskRelay.class.getName(), Level.DEBUG)) {
            String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            UUID jobId;
            try (RelayLock lock = holdRelayLock()) {
                jobId = offboardAnn();
                jdbc.sql("UPDATE jobs.bulk_jobs SET trace_parent = :traceParent WHERE id = :id")
                        .param("traceParent", "00-" + traceId + "-00f067aa0ba902b7-01")
                        .param("id", jobId)
                        .update();
            }

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> lines.lines().stream()
                            .anyMatch(line -> jobId.toString()
                                    .equals(line.getMDCPropertyMap().get("jobId"))));
            ILoggingEvent line = lines.lines().stream()
                    .filter(event ->
                            jobId.toString().equals(event.getMDCPropertyMap().get("jobId")))
                    .findFirst()
                    .orElseThrow();
            assertThat(line.getFormattedMessage()).startsWith("Publishing 30 task(s) of job " + jobId);
            assertThat(line.getMDCPropertyMap())
                    .containsAllEntriesOf(Map.of(
                            "jobId",
                            jobId.toString(),
                            "portfolioId",
                            portfolio.id().toString(),
                            "traceId",
                            traceId));
        }
    }

    @Test
    void severalRelayInstancesKeepEveryAccountsOrderAcrossJobs() throws Exception {
        List<TaskRelay> others = List.of(smallBatchRelay(), smallBatchRelay(), smallBatchRelay());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sentByOthers = new AtomicInteger();
        List<Thread> loops = new ArrayList<>();
        List<UUID> jobs = new ArrayList<>();
        String accountIds = accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        // This gateway's own relay stays out: with its larger batches it could send every task in one
        // pass as the lock is let go, leaving the three instances nothing to share. (The relays of other
        // test contexts still compete, as other gateways would.)
        loop.stop();
        try {
            try (RelayLock lock = holdRelayLock()) {
                for (String role : List.of("MANAGER", "ADMIN", "SUPPORT", "ANALYST", "CONTENT_CREATOR", "MANAGER")) {
                    jobs.add(accepted(portfolio.id(), """
                            {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":[%s],"role":"%s"}
                            """.formatted(ann, accountIds, role)));
                }
                for (TaskRelay other : others) {
                    loops.add(Thread.ofVirtual().start(() -> {
                        while (running.get()) {
                            sentByOthers.addAndGet(other.publishNextBatch().sent());
                        }
                    }));
                }
            }

            List<TaskTopic.Received> records = taskTopic.awaitJobs(jobs, 6 * 30);
            Map<String, List<UUID>> order = TaskTopic.jobOrderPerAccount(records);
            assertThat(order).hasSize(30);
            order.forEach((account, jobOrder) ->
                    assertThat(jobOrder).as("account %s", account).containsExactlyElementsOf(jobs));
            assertThat(sentByOthers.get()).as("the other instances took part").isPositive();
        } finally {
            running.set(false);
            for (Thread thread : loops) {
                thread.join();
            }
            loop.start();
        }
    }

    /**
     * Portfolios take turns: the next batch holds the first waiting tasks of each portfolio before the
     * later tasks of any, so a one-user offboarding (an identity provider's deprovisioning, say) does
     * not wait for the whole of another portfolio's large job to be sent first. It came after every task
     * of the earlier job. Within a portfolio, tasks go in the order submitted, each job's from its
     * position on.
     */
    @Test
    void theNextBatchTakesEachPortfoliosFirstTasksBeforeTheLaterTasksOfAny() throws Exception {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID bob = other.user("bob");
        other.member(other.account("Brand Bilbao"), bob, AccountRole.ANALYST);
        UUID large;
        UUID small;
        List<OutboxTask> next;
        try (RelayLock lock = holdRelayLock()) {
            large = offboardAnn();
            small = accepted(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");

            next = outbox.next(10);
        }

        assertThat(next)
                .filteredOn(task -> task.message().jobId().equals(small))
                .as("the small job's task, in the first batch")
                .hasSize(1);
        List<Long> largeJobsFirst = jdbc.sql("SELECT seq FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq")
                .param(large)
                .query(Long.class)
                .list();
        List<Long> largeJobsSent = next.stream()
                .filter(task -> task.message().jobId().equals(large))
                .map(OutboxTask::seq)
                .toList();
        assertThat(largeJobsSent)
                .as("the large job's first tasks, in order")
                .isNotEmpty()
                .containsExactlyElementsOf(largeJobsFirst.subList(0, largeJobsSent.size()));
        List<UUID> portfolioRuns = new ArrayList<>();
        for (OutboxTask task : next) {
            if (portfolioRuns.isEmpty()
                    || !portfolioRuns.getLast().equals(task.message().portfolioId())) {
                portfolioRuns.add(task.message().portfolioId());
            }
        }
        assertThat(portfolioRuns)
                .as("sent by portfolio, each one's tasks together (a run of sends each), not alternating")
                .doesNotHaveDuplicates();
        taskTopic.awaitJobs(List.of(large, small), 31);
    }

    /**
     * Tasks to send again take turns by portfolio too: another portfolio's one task swept as stuck goes
     * in the next batch, however many of an earlier portfolio's re-sends wait before it (200,000 after a
     * long outage, say). They were read in seq order, so it waited until all of those were sent. Within
     * a portfolio they go in seq order.
     */
    @Test
    void aTaskSentAgainTakesItsPortfoliosTurnHoweverManyOfAnothersWaitBeforeIt() throws Exception {
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID bob = other.user("bob");
        other.member(other.account("Brand Bilbao"), bob, AccountRole.ANALYST);
        UUID large = offboardAnn();
        UUID small = accepted(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");
        taskTopic.awaitJobs(List.of(large, small), 31);
        await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(large) + unrelayed(small) == 0);
        List<OutboxTask> next;
        try (RelayLock lock = holdRelayLock()) {
            // Sent two hours ago and still pending: the stuck-task sweep queues them to be sent again.
            jdbc.sql("UPDATE jobs.bulk_jobs SET relayed_at = now() - interval '2 hours' WHERE id IN (:ids)")
                    .param("ids", List.of(large, small))
                    .update();
            new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, new SimpleMeterRegistry()).sweep();
            assertThat(unrelayed(large)).isEqualTo(30);
            assertThat(unrelayed(small)).isEqualTo(1);

            next = outbox.next(10);
        }

        assertThat(next)
                .filteredOn(task -> task.message().jobId().equals(small))
                .as("the other portfolio's task sent again, in the first batch")
                .hasSize(1)
                .allMatch(task -> task.republication() != null);
        List<Long> largeJobsFirst = jdbc.sql("SELECT seq FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq")
                .param(large)
                .query(Long.class)
                .list();
        List<Long> largeJobsSent = next.stream()
                .filter(task -> task.message().jobId().equals(large))
                .map(OutboxTask::seq)
                .toList();
        assertThat(largeJobsSent)
                .as("the large job's first tasks, in order")
                .isNotEmpty()
                .containsExactlyElementsOf(largeJobsFirst.subList(0, largeJobsSent.size()));
        await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(large) + unrelayed(small) == 0);
    }

    @Test
    void tasksQueuedToBeSentAgainAreSentInSeqOrderUnlessTheyEndedAndLeaveTheQueue() throws Exception {
        UUID jobId = offboardAnn();
        taskTopic.awaitJob(jobId, 30);
        await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(jobId) == 0);
        List<UUID> tasks = jdbc.sql("SELECT id FROM jobs.bulk_tasks WHERE job_id = :id ORDER BY seq")
                .param("id", jobId)
                .query(UUID.class)
                .list();
        // The first task was applied meanwhile; three later ones are queued again (a release, the sweep).
        jdbc.sql("UPDATE jobs.bulk_tasks SET status = 'SUCCEEDED', applied_at = now() WHERE id = :id")
                .param("id", tasks.getFirst())
                .update();
        List<UUID> queued = List.of(tasks.get(29), tasks.getFirst(), tasks.get(12), tasks.get(5));
        try (RelayLock lock = holdRelayLock()) {
            for (UUID task : queued) {
                jdbc.sql("""
                                INSERT INTO jobs.task_republications (task_id, seq)
                                SELECT id, seq FROM jobs.bulk_tasks WHERE id = :id
                                """).param("id", task).update();
            }
            assertThat(unrelayed(jobId)).isEqualTo(3);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(jobId) == 0);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.task_republications WHERE task_id IN (:ids)")
                        .param("ids", queued)
                        .query(Long.class)
                        .single())
                .as("the queue rows sent are gone, the ended task's too")
                .isZero();
        List<UUID> again =
                taskTopic.await(message -> message.jobId().equals(jobId), 33, Duration.ofSeconds(30)).stream()
                        .skip(30)
                        .map(received -> received.message().taskId())
                        .toList();
        assertThat(again).containsExactlyInAnyOrder(tasks.get(5), tasks.get(12), tasks.get(29));
        assertThat(taskTopic.readToEnd(message -> message.jobId().equals(jobId)))
                .as("nothing else")
                .hasSize(33);
    }

    @Test
    void aRepublicationWhoseTaskIsGoneIsDroppedAndHoldsNothingUp() throws Exception {
        UUID gone = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs.task_republications (task_id, seq) VALUES (:task, 0)")
                .param("task", gone)
                .update();

        UUID jobId = offboardAnn();

        taskTopic.awaitJob(jobId, 30);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("SELECT count(*) FROM jobs.task_republications WHERE task_id = :task")
                                .param("task", gone)
                                .query(Long.class)
                                .single()
                        == 0);
    }

    @Test
    void aJobCancelledBeforeItsTasksWereSentIsDoneForTheRelayWithNothingSent() throws Exception {
        UUID jobId;
        try (RelayLock lock = holdRelayLock()) {
            jobId = offboardAnn();
            assertThat(api.post(admin(portfolio.id()), jobPath(portfolio.id(), jobId) + "/cancel", null, null)
                            .status())
                    .isEqualTo(202);
        }

        assertThat(jdbc.sql("SELECT relay_done FROM jobs.bulk_jobs WHERE id = :id")
                        .param("id", jobId)
                        .query(Boolean.class)
                        .single())
                .isTrue();
        UUID finalJobId = jobId;
        relay.publishNextBatch();
        assertThat(taskTopic.readToEnd(message -> message.jobId().equals(finalJobId)))
                .isEmpty();
    }

    @Test
    void theRelayWaitsWhileMaxInFlightTasksAreSentAndNotEndedAndSendsOnWhenTheyDoNotFall() {
        loop.stop();
        try {
            // Other tests' jobs may be left unfinished (no worker runs here): the window is over them.
            TaskRelay windowed = relay(7, Math.toIntExact(outbox.inFlight()) + 10);
            UUID jobId = offboardAnn();

            assertThat(windowed.publishNextBatch().sent()).isEqualTo(7);
            assertThat(windowed.publishNextBatch().sent()).isEqualTo(7);
            assertThat(windowed.publishNextBatch())
                    .as("14 in flight, 10 allowed")
                    .isEqualTo(TaskRelay.Pass.WINDOW_FULL);
            assertThat(unrelayed(jobId)).isEqualTo(16);

            endFirstTasks(jobId, 7);
            assertThat(windowed.publishNextBatch().sent())
                    .as("7 in flight after the workers ended 7")
                    .isEqualTo(7);

            // 14 in flight again and none ends: after TaskRelay.STALL the relay sends on.
            long waitingSince = System.nanoTime();
            assertThat(windowed.publishNextBatch()).isEqualTo(TaskRelay.Pass.WINDOW_FULL);
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> windowed.publishNextBatch().sent() > 0);
            assertThat(Duration.ofNanos(System.nanoTime() - waitingSince)).isGreaterThanOrEqualTo(TaskRelay.STALL);
            assertThat(jdbc.sql("SELECT relayed_tasks FROM jobs.bulk_jobs WHERE id = :id")
                            .param("id", jobId)
                            .query(Long.class)
                            .single())
                    .isEqualTo(28);

            // One batch a stall: the one it let through raised the tasks in flight, and the next pass
            // waits again rather than taking the rise for progress long past.
            assertThat(windowed.publishNextBatch())
                    .as("21 in flight right after the stall let one batch through")
                    .isEqualTo(TaskRelay.Pass.WINDOW_FULL);
            assertThat(unrelayed(jobId)).isEqualTo(2);
        } finally {
            loop.start();
        }
    }

    @Test
    void theBacklogGaugeCountsWhatWaitsAndThePublishedCounterWhatWasSent() throws Exception {
        double publishedBefore = scrape("bulk_relay_tasks_published_total");
        try (RelayLock lock = holdRelayLock()) {
            offboardAnn();

            await().atMost(Duration.ofSeconds(10)).until(() -> scrape("bulk_relay_backlog") >= 30);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> scrape("bulk_relay_backlog") == 0);
        assertThat(scrape("bulk_relay_tasks_published_total")).isGreaterThanOrEqualTo(publishedBefore + 30);
        String metrics = metrics();
        assertThat(metrics)
                .contains("bulk_jobs_submitted_total{application=\"api-gateway\",type=\"OFFBOARD_USERS\"}")
                .contains("bulk_job_submission_seconds_bucket{application=\"api-gateway\",type=\"OFFBOARD_USERS\"");
    }

    /**
     * The relay's producer compresses its record batches (LZ4 by default), and the broker stores them
     * so: every batch of the task topic written since the job was submitted is LZ4 on the broker's disk.
     */
    @Test
    void theTaskRecordsAreStoredCompressed() {
        long since = System.currentTimeMillis();
        offboardAnn();

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(StoredRecordBatches.compressionSince(bootstrapServers, topic, since))
                        .as("the task topic's batches written since the submission")
                        .isNotEmpty()
                        .containsOnly(CompressionType.LZ4));
    }

    /** The first {@code count} tasks of the job end, as the workers would end them. */
    private void endFirstTasks(UUID jobId, int count) {
        int ended = jdbc.sql("""
                        UPDATE jobs.bulk_tasks SET status = 'SUCCEEDED', applied_at = now()
                         WHERE id IN (SELECT id FROM jobs.bulk_tasks WHERE job_id = :id ORDER BY seq LIMIT :count)
                        """).param("id", jobId).param("count", count).update();
        jdbc.sql("""
                        UPDATE jobs.bulk_jobs
                           SET pending = pending - :count, succeeded = succeeded + :count, status = 'IN_PROGRESS'
                         WHERE id = :id
                        """).param("id", jobId).param("count", ended).update();
    }

    /**
     * A relay of 7 tasks a pass, without a window: no worker ends tasks in this test database, so the
     * unfinished jobs of other tests may fill any window, and an instance with one would wait out
     * {@link TaskRelay#STALL} while the application's own relay, which has waited longer, sent alone.
     */
    private TaskRelay smallBatchRelay() {
        return relay(7, 0);
    }

    private TaskRelay relay(int batchSize, int maxInFlight) {
        RelayProperties small = new RelayProperties(
                true,
                properties.topic(),
                properties.partitions(),
                properties.replicationFactor(),
                properties.minInsyncReplicas(),
                properties.recordRetention(),
                batchSize,
                maxInFlight,
                properties.idlePollInterval(),
                properties.sendTimeout(),
                properties.initialBackoff(),
                properties.maxBackoff(),
                properties.backlogRefreshInterval());
        return new TaskRelay(outbox, kafka, small, transactions, new SimpleMeterRegistry(), ObservationRegistry.NOOP);
    }

    private UUID offboardAnn() {
        return accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
    }

    private double scrape(String metric) {
        return metrics()
                .lines()
                .filter(line -> line.startsWith(metric + "{") || line.startsWith(metric + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Holds the relay's advisory lock, as a relay of another gateway instance would, until closed. */
    private RelayLock holdRelayLock() throws Exception {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(" + relay.lockKey() + ")");
        }
        return new RelayLock(connection);
    }

    private record RelayLock(Connection connection) implements AutoCloseable {

        @Override
        public void close() throws Exception {
            connection.rollback();
            connection.close();
        }
    }
}
