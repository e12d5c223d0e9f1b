package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.localstack.PipelineInvariants.JobCounts;
import com.portfoliobulk.localstack.ServiceProcesses.Service;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * Two gateways, two workers and an audit-consumer run as separate processes (the executable jars) on a
 * database of their own, for two races between processes; each test kills ({@code kill -9}) one of
 * them and the other works with those still alive, in either order.
 *
 * <p><b>Gateway killed mid-relay.</b> The relaying gateway is killed after the broker acknowledged a
 * batch of tasks and before its transaction moved the job's relay position: the other gateway takes
 * over the relay within 10 seconds and sends the batch again, and the workers apply each task once.
 * The kill lands at that point without any hook in the services: the test holds the job's row lock,
 * so the relay's move waits for it once the batch is on the topic (as it may wait behind a worker's
 * transaction), and the test kills the gateway whose session waits there. It keeps the lock until the
 * other gateway has sent the batch again, so PostgreSQL must notice the dead gateway while its
 * statement still waits, not when the statement ends.
 *
 * <p><b>Cancel racing the workers.</b> A job of a few thousand tasks is cancelled over HTTP while both
 * workers apply it, and one worker is killed right after, so the records it had not committed go to
 * the other. The job ends {@code CANCELLED} as the cancel answered it: the changes applied before stay
 * applied with their activity entries, every other task is cancelled, none is both, and nothing is
 * applied after the cancel, by a first delivery or a redelivery.
 */
class RelayFailoverAndCancelRaceSystemTests {

    /** Longer than the harness's default: on a loaded machine five JVMs start slowly side by side. */
    private static final Duration STARTUP = Duration.ofMinutes(5);

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private static final int USERS = 50;

    /** The relay's batch: in the relay test, the first one is sent and its gateway killed before it is recorded. */
    private static final int BATCH = 500;

    /** The bound on another gateway taking over the relay. */
    private static final Duration TAKEOVER_WITHIN = Duration.ofSeconds(10);

    private static final ServiceProcesses.Topics TOPICS = ServiceProcesses.Topics.unique("relaycancel");

    /** Small batches, so that a job lasts long enough for the cancel to land in its middle. */
    private static final Map<String, Object> SMALL_BATCHES =
            Map.of("spring.kafka.consumer.max-poll-records", "20", "spring.kafka.listener.concurrency", "2");

    private static OwnDatabase database;

    private static ServiceProcesses processes;

    private static PipelineInvariants invariants;

    private static KafkaOffsets offsets;

    private static Admin admin;

    @BeforeAll
    static void startProcesses() {
        database = OwnDatabase.create("relaycancel");
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        processes = ServiceProcesses.on(database.endpoint(), kafka, TOPICS);
        processes.startWorker("race-worker-a", SMALL_BATCHES);
        processes.startWorker("race-worker-b", SMALL_BATCHES);
        processes.startAudit("race-audit", Map.of());
        for (String name : List.of("race-gateway-a", "race-gateway-b")) {
            processes.startGateway(
                    name,
                    Map.of(
                            "bulk.gateway.relay.batch-size",
                            BATCH,
                            // Names the gateway's database sessions, so the test sees which one waits where.
                            "spring.datasource.hikari.data-source-properties.ApplicationName",
                            name));
        }
        processes.awaitReady(STARTUP);
        invariants = new PipelineInvariants(database.endpoint(), kafka, TOPICS.activity());
        offsets = new KafkaOffsets(kafka);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka));
    }

    @AfterAll
    static void stopProcesses() {
        if (admin != null) {
            admin.close();
        }
        if (offsets != null) {
            offsets.close();
        }
        if (invariants != null) {
            invariants.close();
        }
        if (processes != null) {
            processes.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aGatewayKilledBetweenSendingABatchAndMarkingItIsReplacedWithinTenSecondsAndTheDuplicatesAreAppliedOnce()
            throws Exception {
        int accounts = 40;
        int tasks = accounts * USERS;
        List<UUID> users = new ArrayList<>();
        TestPortfolio portfolio = portfolio(accounts, users);
        String token = ownerToken(portfolio);
        List<ServiceProcess> gateways = processes.of(Service.GATEWAY);
        assertThat(gateways)
                .as("two gateways, one to kill and one to take over")
                .hasSize(2);
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> offsets.lag(TOPICS.workerGroup(), TOPICS.tasks()) == 0);
        long before = offsets.records(TOPICS.tasks());

        UUID job;
        Duration sessionEnded;
        Duration takeover;
        try (Connection relayLock = connect();
                Connection jobLock = connect()) {
            // No relay may start before the test holds the job's row: it takes the relays' lock.
            execute(relayLock, "SELECT pg_advisory_lock(" + relayLockKey() + ")");
            job = new GatewayClient(gateways.getFirst().url(), token, portfolio.id())
                    .submit(Map.of(
                            "type",
                            "UPDATE_ROLES",
                            "userIds",
                            users,
                            "accountIds",
                            portfolio.accounts(),
                            "role",
                            "MANAGER"));
            jobLock.setAutoCommit(false);
            try (PreparedStatement lock =
                    jobLock.prepareStatement("SELECT id FROM jobs.bulk_jobs WHERE id = ? FOR UPDATE")) {
                lock.setObject(1, job);
                lock.executeQuery().close();
            }
            execute(relayLock, "SELECT pg_advisory_unlock(" + relayLockKey() + ")");

            // One gateway relays: it sends the batch, the broker acknowledges it, and its move waits.
            String relaying = await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(RelayFailoverAndCancelRaceSystemTests::waitingToMark, Optional::isPresent)
                    .orElseThrow();
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> offsets.records(TOPICS.tasks()) - before >= BATCH);
            assertThat(offsets.records(TOPICS.tasks()) - before)
                    .as("the batch is on the topic")
                    .isEqualTo(BATCH);
            assertThat(relayedSeq(job))
                    .as("and the job's position did not move")
                    .isZero();
            ServiceProcess victim = gateways.stream()
                    .filter(gateway -> gateway.name().equals(relaying))
                    .findFirst()
                    .orElseThrow();
            long killedAt = System.nanoTime();
            victim.kill9();

            // The other gateway sends the batch again while the test still holds the job's lock.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> !hasSession(relayLock, relaying));
            sessionEnded = Duration.ofNanos(System.nanoTime() - killedAt);
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> offsets.records(TOPICS.tasks()) - before > BATCH);
            takeover = Duration.ofNanos(System.nanoTime() - killedAt);
            jobLock.rollback();
        }

        GatewayClient client =
                new GatewayClient(processes.of(Service.GATEWAY).getFirst().url(), token, portfolio.id());
        assertThat(client.awaitTerminal(job).get("status").asString()).isEqualTo("COMPLETED");
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> offsets.lag(TOPICS.workerGroup(), TOPICS.tasks()) == 0);
        long records = offsets.records(TOPICS.tasks()) - before;
        invariants.assertCompletedCleanly(job, tasks, TOPICS, PATIENCE);
        invariants.assertMemberships(
                portfolio.accounts(), users, Map.of(AccountRole.MANAGER.code() + "/ACTIVE", (long) tasks));
        long lost = tasks - invariants.counts(job).succeeded();
        long doubled = doubled(job);
        System.out.printf(
                "Gateway killed mid-relay: a %d-task batch sent, not recorded; the dead gateway's sessions ended %d ms"
                        + " after the kill; the other gateway published %d ms after it; %d records for %d tasks"
                        + " (%d duplicates, all consumed); lost %d, doubled %d%n",
                BATCH, sessionEnded.toMillis(), takeover.toMillis(), records, tasks, records - tasks, lost, doubled);

        assertThat(takeover).isLessThan(TAKEOVER_WITHIN);
        assertThat(records - tasks)
                .as("the batch, none of it applied while the test held its tasks, was sent again")
                .isGreaterThanOrEqualTo(BATCH);
        assertThat(lost).isZero();
        assertThat(doubled).isZero();
    }

    @Test
    void aCancelWhileWorkersApplyTheJobKeepsWhatWasAppliedAndAppliesNothingAfterwards() throws Exception {
        int accounts = 60;
        int tasks = accounts * USERS;
        List<UUID> users = new ArrayList<>();
        TestPortfolio portfolio = portfolio(accounts, users);
        List<ServiceProcess> workers = processes.of(Service.WORKER);
        assertThat(workers).as("two workers, one to kill after the cancel").hasSize(2);
        ServiceProcess victim = workers.getFirst();
        // The worker to kill owns task partitions: its records go to the other one.
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(ConsumerGroups.owners(admin, TOPICS.workerGroup()))
                        .as("the task partitions' owners")
                        .containsOnlyKeys(victim.name(), workers.get(1).name()));
        GatewayClient client = new GatewayClient(
                processes.of(Service.GATEWAY).getFirst().url(), ownerToken(portfolio), portfolio.id());
        UUID job = client.submit(Map.of(
                "type", "UPDATE_ROLES", "userIds", users, "accountIds", portfolio.accounts(), "role", "MANAGER"));

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> invariants.finished(job) >= tasks / 5);
        ResponseEntity<String> cancel = client.cancel(job);
        victim.kill9();
        long uncommittedAtKill = offsets.lag(TOPICS.workerGroup(), TOPICS.tasks());

        assertThat(cancel.getStatusCode().value()).as(cancel.getBody()).isEqualTo(202);
        JsonNode answered = GatewayClient.json(cancel.getBody());
        assertThat(answered.get("status").asString()).isEqualTo("CANCELLED");
        JobCounts atCancel = counts(answered.get("counts"));
        assertThat(atCancel.pending()).isZero();
        assertThat(atCancel.succeeded())
                .as("the cancel landed while tasks were being applied")
                .isBetween(1, tasks - 1);
        assertThat(atCancel.succeeded() + atCancel.cancelled()).isEqualTo(tasks);

        // Every record is consumed: those the killed worker had not committed, by the other worker.
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> offsets.lag(TOPICS.workerGroup(), TOPICS.tasks()) == 0);
        assertThat(client.job(job).get("status").asString()).isEqualTo("CANCELLED");
        invariants.assertJobAddsUp(job, atCancel);
        invariants.assertMemberships(
                portfolio.accounts(),
                users,
                Map.of(
                        AccountRole.MANAGER.code() + "/ACTIVE", (long) atCancel.succeeded(),
                        AccountRole.ANALYST.code() + "/ACTIVE", (long) atCancel.cancelled()));
        assertThat(invariants
                        .jdbc()
                        .sql("""
                                SELECT count(*) FILTER (WHERE t.status = 'CANCELLED' AND m.role <> :analyst),
                                       count(*) FILTER (WHERE t.status = 'SUCCEEDED' AND m.role <> :manager)
                                  FROM jobs.bulk_tasks t
                                  JOIN directory.memberships m ON m.account_id = t.account_id AND m.user_id = t.user_id
                                 WHERE t.job_id = :job
                                """)
                        .param("analyst", AccountRole.ANALYST.code())
                        .param("manager", AccountRole.MANAGER.code())
                        .param("job", job)
                        .query((row, index) -> List.of(row.getLong(1), row.getLong(2)))
                        .single())
                .as("cancelled tasks whose change was made anyway, applied tasks whose change is missing")
                .containsExactly(0L, 0L);
        invariants.awaitOneActivityEntryPerAppliedChange(job, PATIENCE);
        invariants.assertDeadLetters(0, TOPICS.taskDeadLetter(), TOPICS.activityDeadLetter());

        JobCounts after = invariants.counts(job);
        long doubled = doubled(job);
        System.out.printf(
                "Cancel racing the workers: cancelled with %d of %d tasks applied, %d cancelled; a worker killed"
                        + " right after with %d records uncommitted; in the end %d applied, %d cancelled, %d pending;"
                        + " applied after the cancel %d; lost %d, doubled %d%n",
                atCancel.succeeded(),
                tasks,
                atCancel.cancelled(),
                uncommittedAtKill,
                after.succeeded(),
                after.cancelled(),
                after.pending(),
                after.succeeded() - atCancel.succeeded(),
                after.pending(),
                doubled);

        assertThat(doubled)
                .as("changes applied twice (a redelivered record applied again), activity entries beyond one per task")
                .isZero();
    }

    /** The key of the advisory lock that one relay at a time holds, as the gateway derives it from its topic. */
    private static long relayLockKey() {
        return ("bulk-task-relay:" + TOPICS.tasks()).hashCode();
    }

    private static long relayedSeq(UUID job) {
        return invariants
                .jdbc()
                .sql("SELECT relayed_seq FROM jobs.bulk_jobs WHERE id = ?")
                .param(job)
                .query(Long.class)
                .single();
    }

    /** The gateway whose session waits in the relay's statement that moves the jobs' positions, if one does. */
    private static Optional<String> waitingToMark() {
        return LockWaits.in(invariants.dataSource(), "SET relayed_seq").stream()
                .findFirst()
                .map(LockWaits.Waiting::applicationName);
    }

    /** Whether PostgreSQL still has a session of the gateway named {@code name}. */
    private static boolean hasSession(Connection connection, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = ?)")) {
            statement.setString(1, name);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private static Connection connect() throws SQLException {
        DatabaseEndpoint endpoint = database.endpoint();
        return DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static JobCounts counts(JsonNode counts) {
        return new JobCounts(
                counts.get("total").asInt(),
                counts.get("pending").asInt(),
                counts.get("succeeded").asInt(),
                counts.get("skipped").asInt(),
                counts.get("failed").asInt(),
                counts.get("cancelled").asInt());
    }

    /** A fresh portfolio of {@code accounts} accounts and {@link #USERS} analysts on each. */
    private static TestPortfolio portfolio(int accounts, List<UUID> users) {
        TestPortfolio portfolio = TestPortfolio.seed(invariants.dataSource(), accounts);
        for (int i = 0; i < USERS; i++) {
            users.add(portfolio
                    .addUser("analyst" + i, AccountRole.ANALYST, portfolio.accounts())
                    .userId());
        }
        return portfolio;
    }

    private static String ownerToken(TestPortfolio portfolio) {
        UUID admin = UUID.randomUUID();
        return TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER");
    }

    /** Changes of the job applied twice, and activity entries beyond one per task. */
    private static long doubled(UUID job) {
        return invariants.outcome(job).doubled();
    }
}
