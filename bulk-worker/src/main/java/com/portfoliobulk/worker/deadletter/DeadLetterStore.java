package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The dead letters the worker sent, in {@code jobs.task_dead_letters}: one row per consumed record,
 * so that a redelivered batch does not publish the same dead letter again, and operators can list,
 * re-drive and dismiss them.
 */
@Repository
class DeadLetterStore {

    private static final String RECORD = """
            INSERT INTO jobs.task_dead_letters
                   (id, source_topic, source_partition, source_offset, source_timestamp, record_key, record_value,
                    task_id, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT ON CONSTRAINT task_dead_letters_source DO NOTHING
            """;

    /**
     * The columns of a listed dead letter: all but the record's value, which may be near the broker's
     * size limit (about 1 MB) and is never answered; 500 of them would fill the worker's memory.
     */
    private static final String LISTED_COLUMNS = """
            id, source_topic, source_partition, source_offset, record_key, task_id, reason,
            recorded_at, published_at, redriven_at, redriven_by, redrive_reason, dismissed_at, dismissed_by,
            dismiss_reason
            """;

    /** The columns of one dead letter to re-drive, its value included. */
    private static final String COLUMNS = LISTED_COLUMNS + ", record_value";

    private final JdbcClient jdbc;

    private final JdbcTemplate template;

    DeadLetterStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /**
     * Records the dead letters (a record seen before keeps its row) and answers the row of each source
     * record: its id, and whether the broker acknowledged its dead letter already.
     */
    Map<Source, Recorded> record(List<NewDeadLetter> deadLetters) {
        if (deadLetters.isEmpty()) {
            return Map.of();
        }
        List<Object[]> rows = new ArrayList<>(deadLetters.size());
        for (NewDeadLetter deadLetter : deadLetters) {
            rows.add(new Object[] {
                UUID.randomUUID(),
                deadLetter.source().topic(),
                deadLetter.source().partition(),
                deadLetter.source().offset(),
                deadLetter.source().timestamp(),
                deadLetter.key(),
                deadLetter.value(),
                deadLetter.taskId(),
                deadLetter.reason()
            });
        }
        // One round trip for the batch.
        template.batchUpdate(RECORD, rows);
        Map<Source, Recorded> recorded = new HashMap<>();
        String topic = deadLetters.getFirst().source().topic();
        jdbc.sql("""
                        SELECT id, source_topic, source_partition, source_offset, source_timestamp,
                               published_at IS NOT NULL
                          FROM jobs.task_dead_letters
                         WHERE source_topic = :topic
                           AND (source_partition, source_offset, source_timestamp) IN (
                               SELECT * FROM unnest(:partitions, :offsets, :timestamps))
                        """)
                .param("topic", topic)
                .param(
                        "partitions",
                        PostgresArrays.ints(deadLetters.stream()
                                .map(deadLetter -> deadLetter.source().partition())
                                .toList()))
                .param(
                        "offsets",
                        PostgresArrays.longs(deadLetters.stream()
                                .map(deadLetter -> deadLetter.source().offset())
                                .toList()))
                .param(
                        "timestamps",
                        PostgresArrays.longs(deadLetters.stream()
                                .map(deadLetter -> deadLetter.source().timestamp())
                                .toList()))
                .query((row, index) -> recorded.put(
                        new Source(row.getString(2), row.getInt(3), row.getLong(4), row.getLong(5)),
                        new Recorded(row.getObject(1, UUID.class), row.getBoolean(6))))
                .list();
        return recorded;
    }

    /**
     * Marks the dead letters as sent, those not marked yet; answers the ids it marked. A dead letter
     * another worker marked meanwhile (it was given the partition and the same batch while this one
     * stalled, and sent it too) is not among them.
     */
    List<UUID> markPublished(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                        UPDATE jobs.task_dead_letters SET published_at = now()
                         WHERE id = ANY(:ids) AND published_at IS NULL
                        RETURNING id
                        """)
                .param("ids", PostgresArrays.uuids(ids))
                .query(UUID.class)
                .list();
    }

    /**
     * Up to {@code fetch} dead letters, newest first (by when they were recorded, then by id), without
     * their values: those re-driven or not when {@code redriven} says which, those dismissed or not when
     * {@code dismissed} says which, all when both are null; after the dead letter recorded at
     * {@code afterRecordedAt} with {@code afterId} when they are not null. Each page of all of them, of
     * those not re-driven and of the open ones (neither re-driven nor dismissed) is one index scan from
     * where the previous one ended ({@code task_dead_letters_by_time}, {@code
     * task_dead_letters_not_redriven_by_time}, {@code task_dead_letters_open_by_time}): the older dead
     * letters are reached however many there are.
     */
    List<StoredDeadLetter> page(Boolean redriven, Boolean dismissed, Instant afterRecordedAt, UUID afterId, int fetch) {
        JdbcClient.StatementSpec statement = jdbc.sql(pageStatement(redriven, dismissed, afterRecordedAt != null))
                .param("fetch", fetch);
        if (afterRecordedAt != null) {
            statement = statement
                    .param("afterAt", afterRecordedAt.atOffset(ZoneOffset.UTC))
                    .param("afterId", afterId);
        }
        return statement.query((row, index) -> stored(row, null)).list();
    }

    /**
     * The statement of a {@link #page}: re-driven dead letters or not ({@code redriven}), dismissed ones
     * or not ({@code dismissed}), or all (both null); after {@code :afterAt} and {@code :afterId} when
     * {@code after}; at most {@code :fetch}.
     */
    static String pageStatement(Boolean redriven, Boolean dismissed, boolean after) {
        List<String> conditions = new ArrayList<>();
        if (redriven != null) {
            conditions.add(redriven ? "redriven_at IS NOT NULL" : "redriven_at IS NULL");
        }
        if (dismissed != null) {
            conditions.add(dismissed ? "dismissed_at IS NOT NULL" : "dismissed_at IS NULL");
        }
        if (after) {
            conditions.add("(recorded_at, id) < (:afterAt, :afterId)");
        }
        return "SELECT " + LISTED_COLUMNS + " FROM jobs.task_dead_letters"
                + (conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions))
                + " ORDER BY recorded_at DESC, id DESC LIMIT :fetch";
    }

    /** The dead letter with its value, locked until the transaction ends. */
    Optional<StoredDeadLetter> lock(UUID id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM jobs.task_dead_letters WHERE id = ? FOR UPDATE")
                .param(id)
                .query((row, index) -> stored(row, row.getBytes("record_value")))
                .optional();
    }

    /** The dead letter without its value, locked until the transaction ends. */
    Optional<StoredDeadLetter> lockListed(UUID id) {
        return jdbc.sql("SELECT " + LISTED_COLUMNS + " FROM jobs.task_dead_letters WHERE id = ? FOR UPDATE")
                .param(id)
                .query((row, index) -> stored(row, null))
                .optional();
    }

    /**
     * The W3C trace context the gateway stored with the job of the task (that of the request that
     * submitted it); empty when the task or its job is gone (retention) or the job was not traced.
     */
    Optional<String> jobTraceParent(UUID taskId) {
        return jdbc.sql("""
                        SELECT j.trace_parent
                          FROM jobs.bulk_tasks t
                          JOIN jobs.bulk_jobs j ON j.id = t.job_id
                         WHERE t.id = ?
                        """)
                .param(taskId)
                .query((row, index) -> Optional.ofNullable(row.getString(1)))
                .optional()
                .flatMap(traceParent -> traceParent);
    }

    /**
     * The task a dead letter names, as stored now, with the first later task of its account and portfolio that was
     * applied (ended {@code SUCCEEDED}, or {@code SKIPPED} on the account's state then); empty when no
     * task has that id (a restore removed it, retention deleted it). The later task is found by the
     * held-back rule of the gateway's stuck-task sweep ({@code StuckTaskSweeper}) and bulk-schema's
     * {@code db/resend-pending-tasks.sql}, word for word (the task being {@code s}): change all three
     * or none.
     */
    Optional<NamedTask> task(UUID taskId) {
        return jdbc.sql("""
                        SELECT s.id, s.job_id, s.action, s.status, s.reason,
                               later.id AS later_id, later.job_id AS later_job_id, later.action AS later_action,
                               later.status AS later_status, later.reason AS later_reason
                          FROM jobs.bulk_tasks s
                          LEFT JOIN LATERAL (
                               SELECT later.id, later.job_id, later.action, later.status, later.reason
                                 FROM jobs.bulk_tasks later
                                WHERE later.account_id = s.account_id
                                  AND later.portfolio_id = s.portfolio_id
                                  AND later.seq > s.seq
                                  AND later.applied_at IS NOT NULL
                                  AND later.status IN ('SUCCEEDED', 'SKIPPED')
                                ORDER BY later.seq
                                LIMIT 1) later ON true
                         WHERE s.id = ?
                        """)
                .param(taskId)
                .query((row, index) -> new NamedTask(
                        row.getObject("id", UUID.class),
                        row.getObject("job_id", UUID.class),
                        row.getString("action"),
                        row.getString("status"),
                        row.getString("reason"),
                        row.getObject("later_id") == null
                                ? null
                                : new NamedTask(
                                        row.getObject("later_id", UUID.class),
                                        row.getObject("later_job_id", UUID.class),
                                        row.getString("later_action"),
                                        row.getString("later_status"),
                                        row.getString("later_reason"),
                                        null)))
                .optional();
    }

    void markRedriven(UUID id, String operator, String reason) {
        jdbc.sql(
                        "UPDATE jobs.task_dead_letters SET redriven_at = now(), redriven_by = ?, redrive_reason = ? WHERE id = ?")
                .params(operator, reason, id)
                .update();
    }

    void markDismissed(UUID id, String operator, String reason) {
        jdbc.sql(
                        "UPDATE jobs.task_dead_letters SET dismissed_at = now(), dismissed_by = ?, dismiss_reason = ? WHERE id = ?")
                .params(operator, reason, id)
                .update();
    }

    private static StoredDeadLetter stored(ResultSet row, byte[] value) throws SQLException {
        return new StoredDeadLetter(
                row.getObject("id", UUID.class),
                row.getString("source_topic"),
                row.getInt("source_partition"),
                row.getLong("source_offset"),
                row.getString("record_key"),
                value,
                row.getObject("task_id", UUID.class),
                row.getString("reason"),
                instant(row, "recorded_at"),
                instant(row, "published_at"),
                instant(row, "redriven_at"),
                row.getString("redriven_by"),
                row.getString("redrive_reason"),
                instant(row, "dismissed_at"),
                row.getString("dismissed_by"),
                row.getString("dismiss_reason"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * Which consumed record it was: where it was, and its timestamp, which tells records at one position
     * apart once the topic started over.
     */
    record Source(String topic, int partition, long offset, long timestamp) {}

    /**
     * The row of a recorded dead letter.
     *
     * @param id the dead letter's id
     * @param published whether the broker acknowledged the dead letter
     */
    record Recorded(UUID id, boolean published) {}

    /**
     * A task as stored, named by what operators read in the task's listing.
     *
     * @param id the task
     * @param jobId its job
     * @param action its action, as stored
     * @param status its status, as stored: {@code PENDING} until it ends
     * @param reason its reason code, when it ended with one
     * @param laterApplied the first later task of its account that was applied (see {@link #task}); null
     *     when none, and on the later task itself
     */
    record NamedTask(UUID id, UUID jobId, String action, String status, String reason, NamedTask laterApplied) {

        boolean pending() {
            return "PENDING".equals(status);
        }

        boolean succeeded() {
            return "SUCCEEDED".equals(status);
        }
    }

    /** A dead letter to record. */
    record NewDeadLetter(Source source, String key, byte[] value, UUID taskId, String reason) {}
}
