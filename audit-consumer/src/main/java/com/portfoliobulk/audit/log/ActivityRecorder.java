package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.jdbc.core.SqlParameterValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes activity log entries. Idempotent: an event already in the log (same {@code eventId}) is
 * ignored by the database ({@code ON CONFLICT (event_id) DO NOTHING}), so redelivered and re-published
 * events never add a second entry. Counts {@code bulk_audit_entries_written_total} and
 * {@code bulk_audit_duplicates_ignored_total}.
 */
@Component
class ActivityRecorder {

    /** 16 parameters a row: well under PostgreSQL's 65,535 bind parameters a statement. */
    static final int ROWS_PER_STATEMENT = 1_000;

    private static final String ROW = "(" + "?, ".repeat(15) + "?)";

    private static final String INSERT_PREFIX = """
            INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action,
                target_user_id, target_user_email, previous_role, new_role, initiated_from,
                actor_user_id, actor_email, portfolio_id, job_id, task_id, summary)
            VALUES\s""";

    private static final String INSERT_SUFFIX = " ON CONFLICT (event_id) DO NOTHING";

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    private final Counter written;

    private final Counter duplicates;

    ActivityRecorder(JdbcClient jdbc, TransactionTemplate transaction, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.written = Counter.builder("bulk.audit.entries.written")
                .description("Activity log entries written")
                .register(meters);
        this.duplicates = Counter.builder("bulk.audit.duplicates.ignored")
                .description("Activity events ignored because their entry was already written")
                .register(meters);
    }

    /**
     * Writes the entries in one transaction, as one multi-row statement per
     * {@value #ROWS_PER_STATEMENT} entries.
     *
     * @return how many entries were new; the others were duplicates
     */
    int record(List<NewActivityEntry> entries) {
        if (entries.isEmpty()) {
            return 0;
        }
        Integer inserted = transaction.execute(status -> {
            int rows = 0;
            for (int from = 0; from < entries.size(); from += ROWS_PER_STATEMENT) {
                rows += insert(entries.subList(from, Math.min(entries.size(), from + ROWS_PER_STATEMENT)));
            }
            return rows;
        });
        int newEntries = inserted == null ? 0 : inserted;
        written.increment(newEntries);
        duplicates.increment(entries.size() - newEntries);
        return newEntries;
    }

    private int insert(List<NewActivityEntry> entries) {
        List<SqlParameterValue> parameters = new ArrayList<>(entries.size() * 16);
        for (NewActivityEntry entry : entries) {
            AccountActivityEvent event = entry.event();
            parameters.add(uuid(entry.entryId()));
            parameters.add(uuid(event.eventId()));
            parameters.add(uuid(event.accountId()));
            parameters.add(new SqlParameterValue(
                    Types.TIMESTAMP_WITH_TIMEZONE, OffsetDateTime.ofInstant(event.occurredAt(), ZoneOffset.UTC)));
            parameters.add(text(event.action().name()));
            parameters.add(
                    uuid(event.targetUser() == null ? null : event.targetUser().userId()));
            parameters.add(
                    text(event.targetUser() == null ? null : event.targetUser().email()));
            parameters.add(text(code(event.previousRole())));
            parameters.add(text(code(event.newRole())));
            parameters.add(text(event.initiatedFrom().name()));
            parameters.add(uuid(event.actor().userId()));
            parameters.add(text(event.actor().email()));
            parameters.add(uuid(event.portfolioId()));
            parameters.add(uuid(event.jobId()));
            parameters.add(uuid(event.taskId()));
            parameters.add(text(entry.summary()));
        }
        String sql = INSERT_PREFIX + String.join(", ", Collections.nCopies(entries.size(), ROW)) + INSERT_SUFFIX;
        return jdbc.sql(sql).params(parameters).update();
    }

    private static SqlParameterValue uuid(Object value) {
        return new SqlParameterValue(Types.OTHER, value);
    }

    private static SqlParameterValue text(String value) {
        return new SqlParameterValue(Types.VARCHAR, value);
    }

    private static String code(AccountRole role) {
        return role == null ? null : role.code();
    }
}
