package com.portfoliobulk.audit.log;

import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.texts;
import static com.portfoliobulk.servicesupport.jdbc.PostgresArrays.uuids;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import com.portfoliobulk.servicesupport.jdbc.DatabaseStandby;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes activity log entries. Idempotent: an event already in the log (same {@code eventId}) is
 * ignored by the database ({@code ON CONFLICT (event_id) DO NOTHING}), so redelivered and re-published
 * events never add a second entry. Counts {@code bulk_audit_entries_written_total} and
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
                    int rows = 0;
                    for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
                        rows += insert(entries.subList(from, Math.min(entries.size(), from + ROWS_PER_STATEMENT)));
                    }
                    return rows;
                }),
                failure -> DatabaseFailure.of(failure) == DatabaseFailure.OUTAGE);
        int newEntries = inserted == null ? 0 : inserted;
        written.increment(newEntries);
        duplicates.increment(entries.size() - newEntries);
        return newEntries;
    }

    private int insert(List<NewActivityEntry> entries) {
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
            eventIds[i] = event.eventId();
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
