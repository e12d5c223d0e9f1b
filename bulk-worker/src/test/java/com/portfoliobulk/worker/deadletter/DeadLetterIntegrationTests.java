package com.portfoliobulk.worker.deadletter;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Dead letters are published once per consumed record, even when the batch is delivered again, and an
 * operator re-drives one after a fix through the internal API: once, with who and why recorded.
 */
class DeadLetterIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    @Autowired
    DeadLetters deadLetters;

    private final JsonMapper json = JsonMapper.builder().build();

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void aRecordDeliveredAgainIsNotDeadLetteredAgain() {
        UUID account = UUID.randomUUID();
        ConsumerRecord<String, Object> record = new ConsumerRecord<>(
                properties.topics().tasks(),
                3,
                ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50),
                account.toString(),
                "{not a task".getBytes(StandardCharsets.UTF_8));
        Exception reason = new IllegalArgumentException("not a task");

        deadLetters.send(List.of(new DeadLetters.DeadLetter(record, reason))).join();
        deadLetters.send(List.of(new DeadLetters.DeadLetter(record, reason))).join();
        deadLetters
                .send(List.of(new DeadLetters.DeadLetter(record, reason), new DeadLetters.DeadLetter(record, reason)))
                .join();

        List<UUID> ids = jdbc.sql(
                        "SELECT id FROM jobs.task_dead_letters WHERE record_key = ? AND published_at IS NOT NULL")
                .param(account.toString())
                .query(UUID.class)
                .list();
        assertThat(ids).hasSize(1);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).isNotEmpty());
        List<ConsumerRecord<String, byte[]>> published = deadLettersOf(account);
        assertThat(published).as("published once").hasSize(1);
        assertThat(idHeader(published.getFirst())).isEqualTo(ids.getFirst().toString());
        assertThat(new String(published.getFirst().value(), StandardCharsets.UTF_8))
                .isEqualTo("{not a task");
    }

    /**
     * The broker takes one dead letter of a batch and refuses another (here too large for it): the one
     * taken is marked as sent, so the batch delivered again sends only the refused one, not both.
     */
    @Test
    void aDeadLetterTheBrokerTookIsNotSentAgainWhenAnotherOfItsBatchFailed() {
        UUID takenAccount = UUID.randomUUID();
        UUID refusedAccount = UUID.randomUUID();
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        Instant at = Instant.now();
        Exception reason = new IllegalArgumentException("not a task");
        List<DeadLetters.DeadLetter> batch = List.of(
                new DeadLetters.DeadLetter(record(offset, at, takenAccount, "{taken"), reason),
                new DeadLetters.DeadLetter(
                        record(offset + 1, at, refusedAccount, "{" + "x".repeat(2 * 1024 * 1024)), reason));

        assertThatThrownBy(() -> deadLetters.send(batch).join()).isInstanceOf(CompletionException.class);
        assertThatThrownBy(() -> deadLetters.send(batch).join())
                .as("delivered again: the refused one is sent again and refused again")
                .isInstanceOf(CompletionException.class);

        assertThat(jdbc.sql("SELECT record_key FROM jobs.task_dead_letters WHERE record_key IN (?, ?)"
                                + " AND published_at IS NOT NULL")
                        .param(takenAccount.toString())
                        .param(refusedAccount.toString())
                        .query(String.class)
                        .list())
                .containsExactly(takenAccount.toString());
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(takenAccount)).isNotEmpty());
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() ->
                        assertThat(deadLettersOf(takenAccount)).as("sent once").hasSize(1));
    }

    /**
     * After the task topic started over (Kafka lost its data, the topic was made again), its offsets
     * count from 0 again: a record at the position of an earlier record's dead letter is another record,
     * dead-lettered too. Its position alone matched the earlier row, so nothing was sent or stored.
     */
    @Test
    void aRecordAtThePositionOfAnEarlierTopicsDeadLetterIsDeadLetteredToo() {
        UUID earlierAccount = UUID.randomUUID();
        UUID laterAccount = UUID.randomUUID();
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        Exception reason = new IllegalArgumentException("not a task");
        deadLetters
                .send(List.of(new DeadLetters.DeadLetter(
                        record(offset, Instant.parse("2026-01-01T00:00:00Z"), earlierAccount, "{earlier"), reason)))
                .join();

        deadLetters
                .send(List.of(new DeadLetters.DeadLetter(
                        record(offset, Instant.parse("2026-06-01T00:00:00Z"), laterAccount, "{later"), reason)))
                .join();

        assertThat(jdbc.sql(
                                "SELECT count(*) FROM jobs.task_dead_letters WHERE record_key = ? AND published_at IS NOT NULL")
                        .param(laterAccount.toString())
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(laterAccount)).hasSize(1));
        assertThat(new String(deadLettersOf(laterAccount).getFirst().value(), StandardCharsets.UTF_8))
                .isEqualTo("{later");
    }

    private ConsumerRecord<String, Object> record(long offset, Instant at, UUID account, String value) {
        return new ConsumerRecord<>(
                properties.topics().tasks(),
                3,
                offset,
                at.toEpochMilli(),
                TimestampType.CREATE_TIME,
                -1,
                value.length(),
                account.toString(),
                value.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders(),
                Optional.empty());
    }

    @Test
    void anOperatorRedrivesADeadLetterOnceAfterTheFix() throws IOException, InterruptedException {
        var portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        UUID taskId = job.message(0).taskId();
        UUID hidden = UUID.randomUUID();
        // The record arrives before its task can be found (e.g. restored from a backup later): dead-lettered.
        jdbc.sql("UPDATE jobs.bulk_tasks SET id = ? WHERE id = ?")
                .params(hidden, taskId)
                .update();

        publish(job);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).hasSize(1));
        UUID id = UUID.fromString(idHeader(deadLettersOf(account).getFirst()));
        assertThat(jobs.task(hidden).status()).isEqualTo(TaskStatus.PENDING);

        // As an operator calls it, with a token from ops/internal-token.sh.
        JsonNode listed = body(exchange(
                http.get().uri("/internal/dead-letters?limit=500").header("Authorization", "Bearer " + operatorToken()),
                false));
        assertThat(listed.values())
                .filteredOn(entry -> entry.get("id").asString().equals(id.toString()))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.get("taskId").asString()).isEqualTo(taskId.toString());
                    assertThat(entry.get("reason").asString()).contains("No task " + taskId);
                    assertThat(entry.hasNonNull("redrivenAt")).isFalse();
                });
        jdbc.sql("UPDATE jobs.bulk_tasks SET id = ? WHERE id = ?")
                .params(taskId, hidden)
                .update();

        assertThat(redrive(id, Map.of("operator", "ops-jane", "reason", "task restored"), false).status)
                .as("without the internal token")
                .isEqualTo(401);
        Answer noOperator = redrive(id, Map.of("reason", "task restored"), true);
        assertThat(noOperator.status).isEqualTo(400);
        assertThat(noOperator.contentType).contains("application/problem+json");
        assertThat(noOperator.body).contains("'operator' is required");
        // PostgreSQL cannot store U+0000: refused before anything is sent, not a 500 after the record went out.
        Answer unstorable = redrive(id, Map.of("operator", "ops-jane", "reason", "restored\u0000"), true);
        assertThat(unstorable.status).as(unstorable.body).isEqualTo(400);
        assertThat(unstorable.body).contains("'reason' may not contain control characters");
        assertThat(get("/internal/dead-letters?limit=many", true).status).isEqualTo(400);
        assertThat(redrive(UUID.randomUUID(), Map.of("operator", "ops-jane", "reason", "r"), true).status)
                .isEqualTo(404);

        Answer redriven = redrive(id, Map.of("operator", "ops-jane", "reason", "task restored"), true);
        assertThat(redriven.status).as(redriven.body).isEqualTo(200);
        assertThat(body(redriven).get("redrivenBy").asString()).isEqualTo("ops-jane");
        assertThat(body(redriven).get("redriveReason").asString()).isEqualTo("task restored");
        Answer again = redrive(id, Map.of("operator", "ops-joe", "reason", "once more"), true);
        assertThat(again.status).isEqualTo(409);
        assertThat(again.body).contains("ops-jane");

        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(jobs.task(taskId).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(directory.membership(account, ann)).isEmpty();
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(activityOf(job)).hasSize(1));
        assertThat(deadLettersOf(account)).as("nothing dead-lettered again").hasSize(1);
        assertThat(jdbc.sql("SELECT redriven_by FROM jobs.task_dead_letters WHERE id = ?")
                        .param(id)
                        .query(String.class)
                        .single())
                .isEqualTo("ops-jane");
    }

    /** A token minted by the operators' script, as the README shows. */
    private static String operatorToken() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(
                        "bash", Path.of("..", "ops", "internal-token.sh").toString())
                .redirectErrorStream(true);
        builder.environment().put("BULK_INTERNAL_TOKEN_SECRET", TestTokens.INTERNAL_SECRET);
        Process script = builder.start();
        String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(script.waitFor()).as(output).isZero();
        return output;
    }

    private Answer redrive(UUID id, Map<String, String> body, boolean withToken) {
        return exchange(
                http.post()
                        .uri("/internal/dead-letters/{id}/redrive", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(body),
                withToken);
    }

    private Answer get(String path, boolean withToken) {
        return exchange(http.get().uri(path), withToken);
    }

    private static Answer exchange(RestClient.RequestHeadersSpec<?> request, boolean withToken) {
        if (withToken) {
            request.header("Authorization", TestTokens.internalAuthorization());
        }
        return request.exchange((req, response) -> new Answer(
                response.getStatusCode().value(),
                String.valueOf(response.getHeaders().getContentType()),
                new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    }

    private JsonNode body(Answer answer) {
        assertThat(answer.status).as(answer.body).isEqualTo(200);
        return json.readTree(answer.body);
    }

    private static String idHeader(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(DeadLetters.ID_HEADER);
        assertThat(header).as("the dead letter's id header").isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private record Answer(int status, String contentType, String body) {}
}
