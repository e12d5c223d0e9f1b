package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.testsupport.MigrationRetries;
import com.portfoliobulk.testsupport.SessionSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;

@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class ActivityRecorderIntegrationTests {

    @Autowired
    ActivityRecorder recorder;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    private final UUID portfolio = UUID.randomUUID();

    private final UUID account = UUID.randomUUID();

    private final Actor admin = ActivityEvents.newAdmin();

    @Test
    void writesManyEntriesOnceEvenWhenABatchRepeatsAnEvent() {
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> changes = new ArrayList<>();
        for (int i = 0; i < ActivityRecorder.ROWS_PER_STATEMENT + 5; i++) {
            changes.add(ActivityEvents.roleChanged(portfolio, account, admin, start.plusMillis(i)));
        }
        // As read from the topic: one place each, the repeated events at places of their own.
        long offset = ThreadLocalRandom.current().nextLong(1L << 40);
        List<NewActivityEntry> batch = entries(
                Stream.concat(changes.stream(), Stream.of(changes.getFirst(), changes.getLast()))
                        .toList(),
                offset);

        int first = recorder.record(batch);
        int replay = recorder.record(entries(changes, offset));

        assertThat(first).isEqualTo(changes.size());
        assertThat(replay).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM audit.activity_log WHERE account_id = ?")
                        .param(account)
                        .query(Long.class)
                        .single())
                .isEqualTo(changes.size());
    }

    /** The entries of the events read one after another from {@code offset} of partition 0. */
    private static List<NewActivityEntry> entries(List<AccountActivityEvent> events, long offset) {
        return IntStream.range(0, events.size())
                .mapToObj(i -> NewActivityEntry.of(events.get(i), 0, offset + i))
                .toList();
    }

    @Test
    void aStartWaitsForTheDatabaseToAcceptConnectionsAndForAnotherInstancesMigrations(@Autowired Flyway flyway) {
        MigrationRetries.assertWaitForTheDatabaseAndAnotherInstancesMigrations(flyway);
    }

    @Test
    void aStatementWaitsAMinuteForTheDatabasesAnswerAndAMigrationAsLongAsItTakes(@Autowired Flyway flyway)
            throws Exception {
        assertThat(SessionSettings.socketTimeouts(dataSource, flyway)).containsExactly(60_000, 0);
    }

    @Test
    void sessionsEndAVanishedOrFrozenConsumersTransactionWithinSeconds() throws Exception {
        // A consumer that took over the partitions of a frozen one would wait behind its uncommitted entries.
        assertThat(SessionSettings.ofFailover(dataSource)).containsExactly("10s", "1s", "2", "1", "3", "5000");
    }

    /**
     * PostgreSQL's detail of a row it refuses ("Key (email)=(…) already exists", "Detail: Failing row
     * contains (…)") and a failed batch's statement with its values ("Batch entry 0 INSERT … VALUES
     * ('…', '…')") are kept out of the driver's exceptions, whose messages the audit-consumer's log lines
     * quote whole: the rows hold e-mail addresses. The messages still say what was violated. Before,
     * they quoted both.
     */
    @Test
    void theDatabasesErrorsAboutARefusedRowDoNotQuoteIt() throws Exception {
        String email = "refused." + UUID.randomUUID() + "@example.test";

        assertThat(SessionSettings.refusedRowErrors(dataSource, email))
                .contains(
                        "ERROR: duplicate key value violates unique constraint \"test_refused_rows_pkey\"",
                        "ERROR: new row for relation \"test_refused_rows\" violates check constraint \"test_no_copy\"")
                .doesNotContain(email, "Detail:", "Failing row contains", "INSERT INTO");
    }
}
