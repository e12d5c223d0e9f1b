package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two bulk-workers run as separate processes (the executable jar) on one database and broker, with
 * the gateway and the audit-consumer of this test; one worker is killed ({@code kill -9}) in the
 * middle of a job of a few thousand tasks. The consumer group evicts it after the session timeout
 * and the surviving worker takes its partitions within 10 seconds, and the job ends with every task
 * applied exactly once.
 */
class WorkerFailoverSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final int TASKS = ACCOUNTS * USERS;

    private static final int PARTITIONS = SharedInfrastructure.PARTITIONS;

    /** The bound on taking over a killed worker's partitions. */
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(10);

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private static final String SUFFIX = UUID.randomUUID().toString();

    private static final String TASK_TOPIC = "failover.tasks-" + SUFFIX;

    private static final String TASK_DLT = "failover.tasks-dlt-" + SUFFIX;

    private static final String ACTIVITY_TOPIC = "failover.activity-" + SUFFIX;

    private static final String WORKER_GROUP = "failover-worker-" + SUFFIX;

    private static ServiceStack stack;

    private static Admin admin;

    private static final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void startStack() {
        DatabaseEndpoint database = TestStack.sharedDatabase();
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        // The stack's own worker only answers the gateway's internal calls: it does not consume tasks.
        ServiceStack.Settings settings = new ServiceStack.Settings(
                database,
                kafka,
                0,
                0,
                0,
                // Callers' permissions come from the token's portfolios claim, as in the other end-to-end tests.
                Map.of("bulk.gateway.relay.topic", TASK_TOPIC, "bulk.gateway.permissions.source", "identity-provider"),
                Map.of(
                        "spring.kafka.listener.auto-startup",
                        false,
                        "bulk.worker.topics.tasks",
                        TASK_TOPIC,
                        "bulk.worker.topics.dead-letter",
                        TASK_DLT,
                        "bulk.worker.topics.activity",
                        ACTIVITY_TOPIC,
                        "spring.kafka.consumer.group-id",
                        WORKER_GROUP + "-idle"),
                Map.of(
                        "bulk.audit.activity-topic",
                        ACTIVITY_TOPIC,
                        "bulk.audit.dead-letter-topic",
                        "failover.activity-dlt-" + SUFFIX,
                        "bulk.audit.group-id",
                        "failover-audit-" + SUFFIX));
        stack = ServiceStack.start(settings);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka));
    }

    @AfterAll
    static void stopStack() {
        workers.forEach(Process::destroyForcibly);
        if (admin != null) {
            admin.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aKilledWorkersPartitionsAreTakenOverWithinTenSecondsAndNothingIsLostOrDoubled() throws Exception {
        DatabaseEndpoint database = TestStack.sharedDatabase();
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        Process victim = startWorker("failover-a-" + SUFFIX, database, kafka);
        startWorker("failover-b-" + SUFFIX, database, kafka);
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("both worker processes share the task partitions")
                        .containsOnlyKeys("failover-a-" + SUFFIX, "failover-b-" + SUFFIX));

        DataSource dataSource = stack.worker().getBean(DataSource.class);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        TestPortfolio portfolio = TestPortfolio.seed(dataSource, ACCOUNTS);
        List<UserRef> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(portfolio.addUser("analyst" + i, AccountRole.ANALYST, portfolio.accounts()));
        }
        UUID admin = UUID.randomUUID();
        GatewayClient gateway = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        UUID job = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                users.stream().map(UserRef::userId).toList(),
                "accountIds",
                portfolio.accounts(),
                "role",
                "MANAGER"));

        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> finished(jdbc, job) >= TASKS / 10);
        victim.destroyForcibly();
        long killedAt = System.nanoTime();
        int finishedAtKill = finished(jdbc, job);
        victim.waitFor();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("the surviving worker owns every partition")
                        .containsOnlyKeys("failover-b-" + SUFFIX));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> finished(jdbc, job) == TASKS);
        Duration killToDone = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.printf(
                "Worker failover: killed at %d/%d tasks; partitions taken over after %d ms; job done %d ms after the kill%n",
                finishedAtKill, TASKS, takeover.toMillis(), killToDone.toMillis());

        assertThat(finishedAtKill).as("the kill lands in the middle of the job").isLessThan(TASKS);
        assertThat(takeover).isLessThan(FAILOVER_WITHIN);
        assertThat(gateway.awaitTerminal(job).get("status").asString()).isEqualTo("COMPLETED");
        assertThat(jdbc.sql(
                                "SELECT total, pending, succeeded, skipped, failed, cancelled FROM jobs.bulk_jobs WHERE id = ?")
                        .param(job)
                        .query((row, index) -> List.of(
                                row.getInt(1),
                                row.getInt(2),
                                row.getInt(3),
                                row.getInt(4),
                                row.getInt(5),
                                row.getInt(6)))
                        .single())
                .as("total, pending, succeeded, skipped, failed, cancelled")
                .containsExactly(TASKS, 0, TASKS, 0, 0, 0);
        assertThat(jdbc.sql("SELECT status, count(*) FROM jobs.bulk_tasks WHERE job_id = ? AND applied_at IS NOT NULL"
                                + " GROUP BY status")
                        .param(job)
                        .query((row, index) -> row.getString(1) + "=" + row.getLong(2))
                        .list())
                .containsExactly("SUCCEEDED=" + TASKS);
        Set<UUID> userIds = users.stream().map(UserRef::userId).collect(Collectors.toSet());
        assertThat(jdbc
                        .sql("SELECT user_id, role, state FROM directory.memberships WHERE account_id IN (:accounts)")
                        .param("accounts", portfolio.accounts())
                        .query((row, index) ->
                                Map.entry(row.getObject(1, UUID.class), row.getString(2) + "/" + row.getString(3)))
                        .list()
                        .stream()
                        .filter(membership -> userIds.contains(membership.getKey()))
                        .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.counting())))
                .as("every analyst is a manager on every account, nothing else")
                .isEqualTo(Map.of(AccountRole.MANAGER.code() + "/ACTIVE", (long) TASKS));
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(jdbc.sql(
                                        "SELECT count(*), count(DISTINCT task_id) FROM audit.activity_log WHERE job_id = ?")
                                .param(job)
                                .query((row, index) -> List.of(row.getLong(1), row.getLong(2)))
                                .single())
                        .as("one activity entry per applied change")
                        .containsExactly((long) TASKS, (long) TASKS));
        assertThat(records(kafka, TASK_DLT))
                .as("nothing on the dead-letter topic")
                .isZero();
    }

    private static int finished(JdbcClient jdbc, UUID job) {
        return jdbc.sql("SELECT succeeded + skipped + failed + cancelled FROM jobs.bulk_jobs WHERE id = ?")
                .param(job)
                .query(Integer.class)
                .single();
    }

    /**
     * The worker processes (by client id prefix) that own partitions of the task topic, once the group
     * is stable and every partition is owned; empty otherwise.
     */
    private static Map<String, Integer> workersWithPartitions() throws InterruptedException {
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(WORKER_GROUP))
                    .all()
                    .get()
                    .get(WORKER_GROUP);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw new IllegalStateException(ex);
        }
        if (group.groupState() != GroupState.STABLE) {
            return Map.of();
        }
        Map<String, Integer> owners = new LinkedHashMap<>();
        Set<TopicPartition> owned = new HashSet<>();
        for (MemberDescription member : group.members()) {
            Set<TopicPartition> partitions = member.assignment().topicPartitions();
            if (partitions.isEmpty()) {
                continue;
            }
            owned.addAll(partitions);
            // Spring Kafka names a listener's consumers <client-id>-<n>.
            String process = member.clientId().replaceFirst("-\\d+$", "");
            owners.merge(process, partitions.size(), Integer::sum);
        }
        return owned.size() == PARTITIONS ? owners : Map.of();
    }

    private static long records(String kafka, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
            Collection<TopicPartition> partitions =
                    Optional.ofNullable(consumer.partitionsFor(topic)).orElse(List.of()).stream()
                            .map(info -> new TopicPartition(topic, info.partition()))
                            .toList();
            return consumer.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    /** A worker process from the executable jar the reactor built, its output in target/. */
    private static Process startWorker(String clientId, DatabaseEndpoint database, String kafka) throws IOException {
        Path jar = workerJar();
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                jar.toString()));
        Map<String, String> arguments = new LinkedHashMap<>();
        arguments.put("spring.datasource.url", database.jdbcUrl());
        arguments.put("spring.datasource.username", database.username());
        arguments.put("spring.datasource.password", database.password());
        arguments.put("spring.datasource.hikari.maximum-pool-size", "4");
        arguments.put("spring.kafka.bootstrap-servers", kafka);
        arguments.put("spring.kafka.consumer.group-id", WORKER_GROUP);
        arguments.put("spring.kafka.consumer.client-id", clientId);
        // Small batches, so that the job lasts long enough for the kill to land in its middle.
        arguments.put("spring.kafka.consumer.max-poll-records", "20");
        arguments.put("spring.kafka.listener.concurrency", "2");
        arguments.put("bulk.worker.topics.tasks", TASK_TOPIC);
        arguments.put("bulk.worker.topics.dead-letter", TASK_DLT);
        arguments.put("bulk.worker.topics.activity", ACTIVITY_TOPIC);
        arguments.put("bulk.internal-auth.token-secret", TestTokens.INTERNAL_SECRET);
        arguments.put("server.port", "0");
        arguments.put("server.address", "127.0.0.1");
        arguments.put("spring.main.banner-mode", "off");
        arguments.forEach((name, value) -> command.add("--" + name + "=" + value));
        Path log = Paths.get("target", clientId + ".log");
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        workers.add(process);
        return process;
    }

    private static Path workerJar() throws IOException {
        Path target = Paths.get("..", "bulk-worker", "target");
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            return files.filter(file -> file.getFileName().toString().matches("bulk-worker-.*-exec\\.jar"))
                    .findFirst()
                    .orElseThrow(() ->
                            new IllegalStateException("No bulk-worker executable jar in " + target.toAbsolutePath()
                                    + ": build the reactor (./mvnw verify), which packages bulk-worker before"
                                    + " local-stack's tests"));
        }
    }
}
