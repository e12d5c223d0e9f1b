package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What must hold after any fault once a job has ended, read from the database and the broker: every
 * task terminal exactly once, the job's counts add up, the memberships are the expected final state,
 * exactly one activity entry per applied change, no change applied twice (as the activity topic shows
 * it), and no dead letter that should not be there.
 *
 * <p>Holds a small connection pool of its own (closed by {@link #close()}), which survives a database
 * restart.
 */
final class PipelineInvariants implements AutoCloseable {

    static final Set<String> TERMINAL = Set.of("COMPLETED", "COMPLETED_WITH_ERRORS", "CANCELLED");

    /** A job's counters, as {@code jobs.bulk_jobs} holds them. */
    record JobCounts(int total, int pending, int succeeded, int skipped, int failed, int cancelled) {

        /** A job of {@code tasks} tasks that all succeeded. */
        static JobCounts allSucceeded(int tasks) {
            return new JobCounts(tasks, 0, tasks, 0, 0, 0);
        }

        int finished() {
            return succeeded + skipped + failed + cancelled;
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HikariDataSource dataSource;

    private final JdbcClient jdbc;

    private final String kafkaBootstrapServers;

    private final String activityTopic;

    /** @param activityTopic the topic the workers publish the activity events to */
    PipelineInvariants(DatabaseEndpoint database, String kafkaBootstrapServers, String activityTopic) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(database.jdbcUrl());
        pool.setUsername(database.username());
        pool.setPassword(database.password());
        pool.setMaximumPoolSize(2);
        pool.setConnectionTimeout(2000);
        pool.setInitializationFailTimeout(-1);
        this.dataSource = pool;
        this.jdbc = JdbcClient.create(pool);
        this.kafkaBootstrapServers = kafkaBootstrapServers;
        this.activityTopic = activityTopic;
    }

    DataSource dataSource() {
        return dataSource;
    }

    JdbcClient jdbc() {
        return jdbc;
    }

    /** Closes the pool's idle connections and the others once they are returned: the server restarted. */
    void reconnect() {
        if (dataSource.getHikariPoolMXBean() != null) {
            dataSource.getHikariPoolMXBean().softEvictConnections();
        }
    }

    /** The job's counters now. */
    JobCounts counts(UUID job) {
        return jdbc.sql("SELECT total, pending, succeeded, skipped, failed, cancelled FROM jobs.bulk_jobs WHERE id = ?")
                .param(job)
                .query((row, index) -> new JobCounts(
                        row.getInt(1), row.getInt(2), row.getInt(3), row.getInt(4), row.getInt(5), row.getInt(6)))
                .single();
    }

    /** The job's terminal tasks now (succeeded, skipped, failed or cancelled). */
    int finished(UUID job) {
        return counts(job).finished();
    }

    /** The job's status now. */
    String status(UUID job) {
        return jdbc.sql("SELECT status FROM jobs.bulk_jobs WHERE id = ?")
                .param(job)
                .query(String.class)
                .single();
    }

    /** Waits until the job is terminal (the database may be unreachable meanwhile); returns its status. */
    String awaitTerminal(UUID job, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> TERMINAL.contains(status(job)));
        return status(job);
    }

    /**
     * Every task of the job is terminal and counted once: the job's counters are {@code expected}, and
     * the tasks by status agree with them one for one; every succeeded task was applied (has its
     * {@code applied_at}), and no pending task is left.
     */
    void assertJobAddsUp(UUID job, JobCounts expected) {
        assertThat(counts(job))
                .as("the job's counters (total, pending, succeeded, skipped, failed, cancelled)")
                .isEqualTo(expected);
        Map<String, Long> tasksByStatus = jdbc
                .sql("SELECT status, count(*) FROM jobs.bulk_tasks WHERE job_id = ? GROUP BY status")
                .param(job)
                .query((row, index) -> Map.entry(row.getString(1), row.getLong(2)))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        Map<String, Long> counted = Map.of(
                        "PENDING", (long) expected.pending(),
                        "SUCCEEDED", (long) expected.succeeded(),
                        "SKIPPED", (long) expected.skipped(),
                        "FAILED", (long) expected.failed(),
                        "CANCELLED", (long) expected.cancelled())
                .entrySet()
                .stream()
                .filter(entry -> entry.getValue() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(tasksByStatus)
                .as("the job's tasks by status, as the counters count them")
                .isEqualTo(counted);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE job_id = ? AND status = 'SUCCEEDED'"
                                + " AND applied_at IS NULL")
                        .param(job)
                        .query(Long.class)
                        .single())
                .as("succeeded tasks without the time they were applied")
                .isZero();
    }

    /**
     * The memberships of {@code users} on {@code accounts}, counted by {@code <role code>/<state>}, are
     * exactly {@code expected} (a doubled or lost change shows as a wrong count).
     */
    void assertMemberships(Collection<UUID> accounts, Collection<UUID> users, Map<String, Long> expected) {
        Set<UUID> wanted = Set.copyOf(users);
        Map<String, Long> actual = jdbc
                .sql("SELECT user_id, role, state FROM directory.memberships WHERE account_id IN (:accounts)")
                .param("accounts", accounts)
                .query((row, index) ->
                        Map.entry(row.getObject(1, UUID.class), row.getString(2) + "/" + row.getString(3)))
                .list()
                .stream()
                .filter(membership -> wanted.contains(membership.getKey()))
                .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.counting()));
        assertThat(actual).as("memberships by role/state").isEqualTo(expected);
    }

    /**
     * Waits until the activity log holds exactly one entry per succeeded (applied) task of the job, and
     * none for any other task: as many entries as distinct tasks as succeeded tasks.
     */
    void awaitOneActivityEntryPerAppliedChange(UUID job, Duration atMost) {
        awaitActivityEntries(job, atMost, false);
    }

    /**
     * Waits until the activity log holds one entry per application of the job's succeeded tasks: one per
     * task, and a second one for each change applied twice (a database restore undid its first
     * application, which happened, and its task applied it again), none for any other task.
     */
    void awaitOneActivityEntryPerApplication(UUID job, Duration atMost) {
        awaitActivityEntries(job, atMost, true);
    }

    private void awaitActivityEntries(UUID job, Duration atMost, boolean secondApplications) {
        long applied = jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE job_id = ? AND status = 'SUCCEEDED'")
                .param(job)
                .query(Long.class)
                .single();
        await().atMost(atMost).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            long twice = secondApplications ? changesAppliedTwice(job) : 0;
            assertThat(jdbc.sql("SELECT count(*), count(DISTINCT l.task_id),"
                                    + " count(*) FILTER (WHERE t.status = 'SUCCEEDED')"
                                    + " FROM audit.activity_log l LEFT JOIN jobs.bulk_tasks t ON t.id = l.task_id"
                                    + " WHERE l.job_id = ?")
                            .param(job)
                            .query((row, index) -> List.of(row.getLong(1), row.getLong(2), row.getLong(3)))
                            .single())
                    .as(
                            "activity entries, distinct tasks with one, entries of succeeded tasks (%d applied twice)",
                            twice)
                    .containsExactly(applied + twice, applied, applied + twice);
        });
    }

    /**
     * What reached the end of the pipeline for a job: its tasks, the succeeded ones, its activity
     * entries and the distinct tasks they are of, and its changes applied twice.
     */
    record Outcome(int tasks, long succeeded, long activityEntries, long activityTasks, long appliedTwice) {

        /** Tasks not applied, plus applied changes without an activity entry. */
        long lost() {
            return (tasks - succeeded) + (succeeded - activityTasks);
        }

        /** Changes applied twice, plus activity entries beyond one per task. */
        long doubled() {
            return appliedTwice + activityEntries - activityTasks;
        }
    }

    /** The job's {@link Outcome} now. */
    Outcome outcome(UUID job) {
        JobCounts counts = counts(job);
        long appliedTwice = changesAppliedTwice(job);
        return jdbc.sql("SELECT count(*), count(DISTINCT task_id) FROM audit.activity_log WHERE job_id = ?")
                .param(job)
                .query((row, index) ->
                        new Outcome(counts.total(), counts.succeeded(), row.getLong(1), row.getLong(2), appliedTwice))
                .single();
    }

    /**
     * The job's changes that were applied twice, as the activity topic shows them: a task's event has
     * the task's id, and a redelivered task that was applied already has its event sent again from the
     * stored outcome, the same event; a second application would send one with the same id and another
     * content (its own time at least), and the activity log has an entry for each. Reads the whole
     * topic (a test's own).
     */
    long changesAppliedTwice(UUID job) {
        String wanted = job.toString();
        Map<String, Set<JsonNode>> contents = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = partitions(consumer, activityTopic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < ends.get(partition))) {
                assertThat(System.nanoTime())
                        .as("the activity topic read to its end")
                        .isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode event = JSON.readTree(record.value());
                    if (wanted.equals(event.path("jobId").asString(""))) {
                        contents.computeIfAbsent(event.path("eventId").asString(), id -> new HashSet<>())
                                .add(event);
                    }
                }
            }
        }
        return contents.values().stream()
                .filter(versions -> versions.size() > 1)
                .count();
    }

    /** The job's activity entries now. */
    long activityEntries(UUID job) {
        return jdbc.sql("SELECT count(*) FROM audit.activity_log WHERE job_id = ?")
                .param(job)
                .query(Long.class)
                .single();
    }

    /** The records on a topic (0 when it does not exist), e.g. a dead-letter topic. */
    long records(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            return consumer.endOffsets(partitions(consumer, topic)).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafkaBootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        return Optional.ofNullable(consumer.partitionsFor(topic)).orElse(List.of()).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
    }

    /** Exactly {@code expected} records on each of the topics (typically 0 on the dead-letter topics). */
    void assertDeadLetters(long expected, String... topics) {
        for (String topic : topics) {
            assertThat(records(topic)).as("records on " + topic).isEqualTo(expected);
        }
    }

    /**
     * All of the above for a job whose every task should succeed: terminal and COMPLETED, counts add
     * up, one activity entry per task, no change applied twice, nothing on the task or activity
     * dead-letter topics.
     */
    void assertCompletedCleanly(UUID job, int tasks, ServiceProcesses.Topics topics, Duration atMost) {
        assertCompletedCleanly(job, tasks, topics, atMost, 0, 0);
    }

    /**
     * The same, with between {@code leastAppliedTwice} and {@code mostAppliedTwice} changes applied a
     * second time: a database restored from a backup forgot the changes made after it, which its tasks
     * then apply again.
     */
    void assertCompletedCleanly(
            UUID job,
            int tasks,
            ServiceProcesses.Topics topics,
            Duration atMost,
            long leastAppliedTwice,
            long mostAppliedTwice) {
        assertThat(awaitTerminal(job, atMost)).isEqualTo("COMPLETED");
        assertJobAddsUp(job, JobCounts.allSucceeded(tasks));
        if (mostAppliedTwice == 0) {
            awaitOneActivityEntryPerAppliedChange(job, atMost);
        } else {
            awaitOneActivityEntryPerApplication(job, atMost);
        }
        assertThat(changesAppliedTwice(job)).as("changes applied twice").isBetween(leastAppliedTwice, mostAppliedTwice);
        assertDeadLetters(0, topics.taskDeadLetter(), topics.activityDeadLetter());
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
