package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every line about a task carries its job, task, portfolio and trace, whichever path it takes; the
 * line about a record sent to the dead letter topic names its dead letter too, which operators
 * re-drive by its id.
 */
class TaskLogContextIntegrationTests extends WorkerIntegrationSupport {

    private LogLines lines;

    @BeforeEach
    void captureLines() {
        lines = LogLines.of(TaskTransaction.class.getPackageName(), Level.DEBUG);
    }

    @AfterEach
    void stopCapturing() {
        lines.close();
    }

    @Test
    void anAppliedTaskAndADeadLetteredRecordAreLoggedWithTheirJobTaskPortfolioAndTrace() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        BulkTaskMessage stored = job.message(0);
        // A record naming a task that is not stored: it goes to the dead letter topic.
        BulkTaskMessage unknown = new BulkTaskMessage(
                stored.v(),
                UUID.randomUUID(),
                stored.jobId(),
                stored.portfolioId(),
                stored.accountId(),
                stored.action(),
                stored.user(),
                stored.role(),
                stored.language(),
                stored.expiresAt(),
                stored.requestedBy(),
                stored.requestedAt());
        String traceId = randomHex(16);
        String traceParent = "00-" + traceId + "-" + randomHex(8) + "-01";

        taskRecords().publish(List.of(stored, unknown), traceParent);

        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(lineAbout(stored.taskId(), "Task ")).isNotNull();
            assertThat(lineAbout(unknown.taskId(), "Record ")).isNotNull();
        });
        assertThat(lineAbout(stored.taskId(), "Task ").getMDCPropertyMap())
                .containsAllEntriesOf(Map.of(
                        "jobId", job.id().toString(),
                        "taskId", stored.taskId().toString(),
                        "portfolioId", portfolio.id().toString(),
                        "traceId", traceId));
        assertThat(lineAbout(unknown.taskId(), "Record ").getMDCPropertyMap())
                .containsAllEntriesOf(Map.of(
                        "jobId", job.id().toString(),
                        "taskId", unknown.taskId().toString(),
                        "portfolioId", portfolio.id().toString(),
                        "traceId", traceId));
        UUID deadLetter = jdbc.sql("SELECT id FROM jobs.task_dead_letters WHERE task_id = ?")
                .param(unknown.taskId())
                .query(UUID.class)
                .single();
        assertThat(lineAbout(unknown.taskId(), "Record ").getFormattedMessage())
                .contains("goes to the dead letter topic as dead letter " + deadLetter + ":");
        assertThat(lines.lines())
                .as("lines about tasks")
                .filteredOn(line -> line.getMDCPropertyMap().containsKey("taskId"))
                .allSatisfy(line ->
                        assertThat(line.getMDCPropertyMap()).containsKeys("jobId", "taskId", "portfolioId", "traceId"));
    }

    private ILoggingEvent lineAbout(UUID taskId, String prefix) {
        return lines.lines().stream()
                .filter(line -> line.getFormattedMessage().startsWith(prefix))
                .filter(line ->
                        taskId.toString().equals(line.getMDCPropertyMap().get("taskId")))
                .findFirst()
                .orElse(null);
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
