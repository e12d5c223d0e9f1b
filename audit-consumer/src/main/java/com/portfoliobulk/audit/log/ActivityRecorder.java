package com.portfoliobulk.audit.log;

import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.texts;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.uuids;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import com.portfoliobulk.servicesupport.jdbc.DatabaseStandby;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes activity log entries. Idempotent: an event already in the log (same {@code eventId}) is
 * ignored by the database ({@code ON CONFLICT (event_id) DO NOTHING}), so redelivered and re-published
 * events never add a second entry. A task's event and an invitation's acceptance are the exception
 * ({@link #storedIds}): the id is the task's, or derived from the invitation, the same for every
 * publication of one application or acceptance, and a task applied again or an invitation accepted
 * again after a restore of the database publishes it again at its new time; that event gets an entry
 * of its own.
 * Counts {@code bulk_audit_entries_written_total} and
 * {@code bulk_audit_duplicates_ignored_total}, and tells the {@link DatabaseStandby} whether the
 * database answered.
 */
@Component
class ActivityRecorder {

    /** Rows per statement: bounds the size of one statement's arrays. */
    static final int ROWS_PER_STATEMENT = 1_000;

    /**
     * One statement text whatever the number of rows (17 parallel arrays, one element per entry), so
     * PostgreSQL parses and plans it once per connection rather than a new VALUES list each batch.
     */
    private static final String INSERT = """
            INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action,
                target_user_id, target_user_email, previous_role, new_role, initiated_from,
                actor_user_id, actor_email, portfolio_id, job_id, task_id, summary, actor_kind)
            SELECT entry_id, event_id, account_id, CAST(occurred_at AS timestamptz), action,
                target_user_id, target_user_email, previous_role, new_role, initiated_from,
                actor_user_id, actor_email, portfolio_id, job_id, task_id, summary, actor_kind
              FROM unnest(:entryIds, :eventIds, :accountIds, :occurredAts, :actions, :targetUserIds,
                          :targetUserEmails, :previousRoles, :newRoles, :initiatedFroms, :actorUserIds,
                          :actorEmails, :portfolioIds, :jobIds, :taskIds, :summaries, :actorKinds)
                   AS e(entry_id, event_id, account_id, occurred_at, action, target_user_id,
                        target_user_email, previous_role, new_role, initiated_from, actor_user_id,
                        actor_email, portfolio_id, job_id, task_id, summary, actor_kind)
            ON CONFLICT (event_id) DO NOTHING
            """;

    /**
     * The actions whose event may come again, after a restore, with its id at another time: a task's
     * change, whose event id is the task's, and an invitation's acceptance, whose id is made from the
     * invitation (account, invitee, job) alone, so that the invitee accepting again after a restore that
     * made the invitation pending again publishes the same id. An invitation's expiry is dated at the
     * expiry, the same each time, and keeps the rule that one id is one entry.
     */
    private static final Set<ActivityAction> REPEATABLE_ACTIONS = Stream.concat(
                    Arrays.stream(TaskAction.values()).map(TaskAction::activity),
                    Stream.of(ActivityAction.INVITATION_ACCEPTED))
            .collect(Collectors.toUnmodifiableSet());

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    private final Counter written;

    private final Counter duplicates;

    private final DatabaseStandby standby;

    ActivityRecorder(JdbcClient jdbc, TransactionTemplate transaction, MeterRegistry meters, DatabaseStandby standby) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.standby = standby;
        this.written = Counter.builder("bulk.audit.entries.written")
                .description("Activity log entries written")
                .register(meters);
        this.duplicates = Counter.builder("bulk.audit.duplicates.ignored")
                .description("Activity events ignored because their entry was already written")
                .register(meters);
    }

    /**
     * Writes the entries in one transaction, as one statement per {@value #ROWS_PER_STATEMENT}
     * entries.
     *
     * @return how many entries were new; the others were duplicates
     */
    int record(List<NewActivityEntry> entries) {
        if (entries.isEmpty()) {
            return 0;
        }
        Integer inserted = standby.observe(
                () -> transaction.execute(status -> {
                    List<UUID> ids = storedIds(entries);
                    int rows = 0;
                    for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
                        int to = Math.min(entries.size(), from + ROWS_PER_STATEMENT);
                        rows += insert(entries.subList(from, to), ids.subList(from, to));
                    }
                    return rows;
                }),
                failure -> DatabaseFailure.of(failure) == DatabaseFailure.OUTAGE);
        int newEntries = inserted == null ? 0 : inserted;
        written.increment(newEntries);
        duplicates.increment(entries.size() - newEntries);
        return newEntries;
    }

    /**
     * The event id each entry is stored under. A task's event carries the task's id, so that every
     * publication of one application (the worker's, a redelivered batch's, the re-publication of a task
     * an earlier delivery applied, a replay of the topic) is one entry. A restore of the database can
     * undo an application: the task is pending again and applied again, later, and its event carries
     * the same id with that later time, while the replay of the topic (restore step 4) writes the entry
     * of the undone one again. Such an event, whose task already has an entry (in the log, or earlier
     * in these entries) at another time, is stored under an id made from the task's id and its time:
     * both applications are in the log, and every publication of the later one is still one entry.
     * An acceptance is treated alike: its id is the invitation's, and the invitee accepting again after
     * a restore (the invitation pending again, its link still valid) publishes it at the later time,
     * while a re-publication of one acceptance (a pass of the outbox repeated after a failed commit)
     * keeps its time and stays one entry. Times are compared as the log stores them (PostgreSQL's
     * microseconds).
     */
    private List<UUID> storedIds(List<NewActivityEntry> entries) {
        List<UUID> ids = new ArrayList<>(entries.size());
        List<Integer> repeatable = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            AccountActivityEvent event = entries.get(i).event();
            ids.add(event.eventId());
            if (REPEATABLE_ACTIONS.contains(event.action()) && event.eventId().equals(event.taskId())) {
                repeatable.add(i);
            }
        }
        if (repeatable.isEmpty()) {
            return ids;
        }
        UUID[] eventIds = new UUID[repeatable.size()];
        String[] occurredAts = new String[repeatable.size()];
        for (int i = 0; i < repeatable.size(); i++) {
            AccountActivityEvent event = entries.get(repeatable.get(i)).event();
            eventIds[i] = event.eventId();
            occurredAts[i] = event.occurredAt().toString();
        }
        // The times as the log would store them, with the time of the entry each task has already.
        List<Instant[]> times = jdbc.sql("""
                        SELECT CAST(e.occurred_at AS timestamptz) AS occurred_at, l.occurred_at AS logged_at
                          FROM unnest(:eventIds, :occurredAts) WITH ORDINALITY AS e(event_id, occurred_at, n)
                          LEFT JOIN audit.activity_log l ON l.event_id = e.event_id
                         ORDER BY e.n
                        """)
                .param("eventIds", uuids(eventIds))
                .param("occurredAts", texts(occurredAts))
                .query((rs, row) -> new Instant[] {instant(rs, "occurred_at"), instant(rs, "logged_at")})
                .list();
        Map<UUID, Instant> firstTimes = new HashMap<>();
        for (int i = 0; i < repeatable.size(); i++) {
            UUID eventId = eventIds[i];
            Instant occurredAt = times.get(i)[0];
            Instant logged = times.get(i)[1];
            Instant first = firstTimes.computeIfAbsent(eventId, id -> logged != null ? logged : occurredAt);
            if (!first.equals(occurredAt)) {
                ids.set(repeatable.get(i), appliedAgainId(eventId, occurredAt));
            }
        }
        return ids;
    }

    /**
     * The id of the entry of a task applied again, or an invitation accepted again, at {@code
     * occurredAt}: the same for every publication.
     */
    static UUID appliedAgainId(UUID taskId, Instant occurredAt) {
        return UUID.nameUUIDFromBytes(
                ("task " + taskId + " applied at " + occurredAt).getBytes(StandardCharsets.UTF_8));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    private int insert(List<NewActivityEntry> entries, List<UUID> ids) {
        int size = entries.size();
        UUID[] entryIds = new UUID[size];
        UUID[] eventIds = new UUID[size];
        UUID[] accountIds = new UUID[size];
        String[] occurredAts = new String[size];
        String[] actions = new String[size];
        UUID[] targetUserIds = new UUID[size];
        String[] targetUserEmails = new String[size];
        String[] previousRoles = new String[size];
        String[] newRoles = new String[size];
        String[] initiatedFroms = new String[size];
        UUID[] actorUserIds = new UUID[size];
        String[] actorEmails = new String[size];
        UUID[] portfolioIds = new UUID[size];
        UUID[] jobIds = new UUID[size];
        UUID[] taskIds = new UUID[size];
        String[] summaries = new String[size];
        String[] actorKinds = new String[size];
        for (int i = 0; i < size; i++) {
            NewActivityEntry entry = entries.get(i);
            AccountActivityEvent event = entry.event();
            entryIds[i] = entry.entryId();
            eventIds[i] = ids.get(i);
            accountIds[i] = event.accountId();
            occurredAts[i] = event.occurredAt().toString();
            actions[i] = event.action().name();
            targetUserIds[i] =
                    event.targetUser() == null ? null : event.targetUser().userId();
            targetUserEmails[i] =
                    event.targetUser() == null ? null : event.targetUser().email();
            previousRoles[i] = code(event.previousRole());
            newRoles[i] = code(event.newRole());
            initiatedFroms[i] = event.initiatedFrom().name();
            actorUserIds[i] = event.actor().userId();
            actorEmails[i] = event.actor().email();
            portfolioIds[i] = event.portfolioId();
            jobIds[i] = event.jobId();
            taskIds[i] = event.taskId();
            summaries[i] = entry.summary();
            actorKinds[i] = event.actor().kind().name();
        }
        return jdbc.sql(INSERT)
                .param("entryIds", uuids(entryIds))
                .param("eventIds", uuids(eventIds))
                .param("accountIds", uuids(accountIds))
                .param("occurredAts", texts(occurredAts))
                .param("actions", texts(actions))
                .param("targetUserIds", uuids(targetUserIds))
                .param("targetUserEmails", texts(targetUserEmails))
                .param("previousRoles", texts(previousRoles))
                .param("newRoles", texts(newRoles))
                .param("initiatedFroms", texts(initiatedFroms))
                .param("actorUserIds", uuids(actorUserIds))
                .param("actorEmails", texts(actorEmails))
                .param("portfolioIds", uuids(portfolioIds))
                .param("jobIds", uuids(jobIds))
                .param("taskIds", uuids(taskIds))
                .param("summaries", texts(summaries))
                .param("actorKinds", texts(actorKinds))
                .update();
    }

    private static String code(AccountRole role) {
        return role == null ? null : role.code();
    }
}
