package com.portfoliobulk.worker.apply;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
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
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every line about a task carries its job, task, portfolio and trace, whichever path it takes; the
 * line about a record sent to the dead letter topic names its dead letter too, which operators
 * re-drive by its id.
 */
class TaskLogContextIntegrationTests extends WorkerIntegrationSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

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

    /**
     * A record that cannot be read is logged as it goes to the dead letter topic with the job and
     * portfolio its JSON names besides its task and trace, also when it names no task; an id that is not
     * a UUID is left out. Before, the line had only the task and the trace: it could not be found by job
     * or portfolio, as the BulkTasksDeadLettered runbook searches.
     */
    @Test
    void anUnreadableRecordIsLoggedWithTheJobAndPortfolioItNames() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        // A removal of ann without her user id: not a valid task.
        ObjectNode withoutUserId = JSON.valueToTree(job.message(0));
        withoutUserId.putObject("user").put("email", directory.email(ann));
        ObjectNode withoutTask = withoutUserId.deepCopy();
        withoutTask.remove("taskId");
        ObjectNode malformedIds = withoutUserId.deepCopy();
        malformedIds.put("taskId", UUID.randomUUID().toString());
        malformedIds.put("jobId", "not-a-uuid");
        malformedIds.put("portfolioId", 42);
        String traceId = randomHex(16);
        String traceParent = "00-" + traceId + "-" + randomHex(8) + "-01";

        List<RecordMetadata> written = List.of(withoutUserId, withoutTask, malformedIds).stream()
                .map(record ->
                        taskRecords().publishRaw(account.toString(), JSON.writeValueAsString(record), traceParent))
                .toList();

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(written)
                        .allSatisfy(record -> assertThat(deadLetterLine(record)).isNotNull()));
        Map<String, String> ids = Map.of(
                "jobId", job.id().toString(),
                "portfolioId", portfolio.id().toString(),
                "traceId", traceId);
        assertThat(deadLetterLine(written.get(0)).getMDCPropertyMap())
                .containsAllEntriesOf(ids)
                .containsEntry("taskId", job.taskId(0).toString());
        assertThat(deadLetterLine(written.get(1)).getMDCPropertyMap())
                .containsAllEntriesOf(ids)
                .doesNotContainKey("taskId");
        assertThat(deadLetterLine(written.get(2)).getMDCPropertyMap())
                .containsEntry("taskId", malformedIds.get("taskId").asString())
                .containsEntry("traceId", traceId)
                .doesNotContainKeys("jobId", "portfolioId");
    }

    /**
     * A batch with a record naming a task that is not stored and then a task that fails until its attempts
     * are used up (an address longer than the directory takes) is delivered again after each failed
     * attempt, 5 times in all; the record's dead letter is sent once, and warned of once. Before, the
     * warning was repeated on every delivery, so that on-call could not tell new dead letters from the
     * same ones again.
     */
    @Test
    void aDeadLetterIsWarnedOfOnceWhileItsBatchIsDeliveredAgain() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(
                        account,
                        null,
                        "a".repeat(250) + "@brand.example",
                        AccountRole.SUPPORT,
                        Instant.now().plus(Duration.ofDays(7)))));
        BulkTaskMessage failing = job.message(0);
        BulkTaskMessage unknown = new BulkTaskMessage(
                failing.v(),
                UUID.randomUUID(),
                failing.jobId(),
                failing.portfolioId(),
                failing.accountId(),
                failing.action(),
                failing.user(),
                failing.role(),
                failing.language(),
                failing.expiresAt(),
                failing.requestedBy(),
                failing.requestedAt());

        // Sent together: one batch. The record first: a later one of the failing task's account would
        // wait for it.
        taskRecords().publish(List.of(unknown, failing));

        StoredJob finished = awaitFinished(job);
        assertThat(finished.failed()).isEqualTo(1);
        assertThat(jobs.tasks(job.id()).get(0).attempts()).isEqualTo(properties.taskMaxAttempts());
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(linesAbout(unknown.taskId(), "Record "))
                        .as("a line on each delivery of the record")
                        .hasSizeGreaterThanOrEqualTo(2));
        assertThat(linesAbout(unknown.taskId(), "Record "))
                .filteredOn(line -> line.getLevel() == Level.WARN)
                .singleElement()
                .extracting(ILoggingEvent::getFormattedMessage)
                .asString()
                .contains("goes to the dead letter topic as dead letter ");
    }

    private ILoggingEvent deadLetterLine(RecordMetadata record) {
        String prefix = "Record " + record.topic() + "-" + record.partition() + "@" + record.offset()
                + " goes to the dead letter topic as dead letter ";
        return lines.lines().stream()
                .filter(line -> line.getFormattedMessage().startsWith(prefix))
                .findFirst()
                .orElse(null);
    }

    private List<ILoggingEvent> linesAbout(UUID taskId, String prefix) {
        return lines.lines().stream()
                .filter(line -> line.getFormattedMessage().startsWith(prefix))
                .filter(line ->
                        taskId.toString().equals(line.getMDCPropertyMap().get("taskId")))
                .toList();
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
