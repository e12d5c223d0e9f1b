package com.portfoliobulk.worker.deadletter;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.OversizedRecords;
import com.portfoliobulk.testsupport.RefusedTopics;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.MissingTopicProducer;
import com.portfoliobulk.worker.fixtures.StatementCounter;
import com.portfoliobulk.worker.fixtures.TopicRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.mock.MockProducerFactory;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Dead letters are published once per consumed record, even when the batch is delivered again, and an
 * operator re-drives one after a fix through the internal API: once, with who and why recorded.
 */
class DeadLetterIntegrationTests extends WorkerIntegrationSupport {

    /** The header of a dead letter published without its value, as consumers of the topic read it. */
    private static final String VALUE_OMITTED_HEADER = "bulk_dead_letter_value_omitted";

    @LocalServerPort
    int port;

    @Autowired
    DeadLetters deadLetters;

    @Autowired
    DeadLetterStore store;

    @Autowired
    DataSource dataSource;

    @Autowired
    ProducerFactory<Object, Object> producers;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    private final JsonMapper json = JsonMapper.builder().build();

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    /**
     * The operators' script mints a token for the service it names (the bulk-worker when none), signed
     * with the secret of the gateway's link to it where the environment has one
     * ({@code BULK_WORKER_TOKEN_SECRET}, {@code BULK_AUDIT_TOKEN_SECRET}), as the README's {@code .env}
     * does: the worker accepts the token for it, not the one for the audit-consumer, though signed with
     * the worker's own secret.
     */
    @Test
    void theOperatorsScriptMintsATokenForTheServiceItNames() throws IOException, InterruptedException {
        Map<String, String> secrets = Map.of(
                "BULK_INTERNAL_TOKEN_SECRET", "the-gateways-own-secret-of-at-least-32-bytes",
                "BULK_WORKER_TOKEN_SECRET", TestTokens.INTERNAL_SECRET,
                "BULK_AUDIT_TOKEN_SECRET", "the-audit-consumers-secret-of-at-least-32-bytes");

        assertThat(deadLettersWith(operatorToken(secrets, "bulk-worker"))).isEqualTo(200);
        assertThat(deadLettersWith(operatorToken(secrets)))
                .as("no service named")
                .isEqualTo(200);
        assertThat(deadLettersWith(operatorToken(secrets, "audit-consumer"))).isEqualTo(401);
        assertThat(deadLettersWith(operatorToken(
                        Map.of("BULK_INTERNAL_TOKEN_SECRET", TestTokens.INTERNAL_SECRET), "audit-consumer")))
                .as("for the audit-consumer, with the worker's secret")
                .isEqualTo(401);
    }

    private int deadLettersWith(String token) {
        return exchange(http.get().uri("/internal/dead-letters").header("Authorization", "Bearer " + token), false)
                .status();
    }

    /**
     * A record whose key has a zero byte (a binary key, a raw UUID say, from a producer that is not the
     * gateway) reaches the worker as a key with U+0000, which PostgreSQL cannot store in text. Its dead
     * letter is recorded and listed with U+FFFD in its place, and the next task of its partition is
     * applied. Recorded as read, it was refused on every delivery of its batch, and no later task of the
     * partition was applied.
     */
    @Test
    void aRecordWhoseKeyHasAZeroByteIsDeadLetteredAndItsPartitionGoesOn() throws IOException, InterruptedException {
        var portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        String key = keyWithAZeroByte(taskRecords().partitionOf(account.toString()));
        RecordMetadata written = taskRecords().publishRaw(key, "{not a task".getBytes(StandardCharsets.UTF_8));

        publish(job);

        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(directory.membership(account, ann)).isEmpty();
        JsonNode listed = body(exchange(
                http.get().uri("/internal/dead-letters?limit=500").header("Authorization", "Bearer " + operatorToken()),
                false));
        assertThat(listed.get("items").values())
                .filteredOn(entry -> entry.get("sourceTopic").asString().equals(written.topic())
                        && entry.get("sourcePartition").asInt() == written.partition()
                        && entry.get("sourceOffset").asLong() == written.offset())
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.get("key").asString()).isEqualTo(key.replace('\u0000', '\uFFFD'));
                    assertThat(entry.hasNonNull("publishedAt")).isTrue();
                });
    }

    /**
     * Listing dead letters reads no record values: each may be near the broker's size limit (about 1 MB),
     * and a listing of 500 after a flood of such garbage read them all into the worker's memory (whose JVM
     * exits on {@code OutOfMemoryError}), only to leave them out of the answer. The database says how much
     * the statement the listing ran answers: less than one such value, where it answered all of them.
     */
    @Test
    void listingDeadLettersReadsNoRecordValues() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String key = UUID.randomUUID().toString();
            jdbc.sql("""
                            INSERT INTO jobs.task_dead_letters
                                   (id, source_topic, source_partition, source_offset, source_timestamp, record_key,
                                    record_value, reason, published_at)
                            VALUES (?, ?, 3, ?, ?, ?, ?, 'DeserializationException: failed to deserialize', now())
                            """)
                    .params(
                            UUID.randomUUID(),
                            properties.topics().tasks(),
                            ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50),
                            System.currentTimeMillis(),
                            key,
                            OversizedRecords.letters())
                    .update();
            keys.add(key);
        }

        JsonNode listed;
        List<StatementCounter.Statement> listings;
        // Any thread's: requests run on virtual threads, which have no name.
        try (StatementCounter statements = StatementCounter.open(dataSource, "")) {
            listings = statements.keep(sql -> sql.contains("FROM jobs.task_dead_letters ORDER BY"));
            listed = body(get("/internal/dead-letters?limit=500", true));
        }

        assertThat(listed.get("items").values())
                .extracting(entry -> entry.get("key").asString())
                .containsAll(keys);
        assertThat(listed.get("items").values())
                .as("no value answered")
                .noneMatch(entry -> entry.has("value") || entry.has("valueText"));
        StatementCounter.Statement listing = listings.getFirst();
        JsonNode plan = json.readTree(jdbc.sql("EXPLAIN (ANALYZE, SERIALIZE, FORMAT JSON) " + listing.sql())
                .params(listing.parameters())
                .query(String.class)
                .single());
        assertThat(plan.get(0).get("Serialization").get("Output Volume").asDouble())
                .as("kB the listing's statement answers")
                .isLessThan(OversizedRecords.SIZE / 1024.0);
    }

    /** A key with a zero byte that the producer puts in {@code partition}. */
    private String keyWithAZeroByte(int partition) {
        for (int attempt = 0; ; attempt++) {
            String key = "raw\u0000key-" + attempt;
            if (taskRecords().partitionOf(key) == partition) {
                return key;
            }
        }
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
     * A record near the size limit on the task topic: its dead letter, with the headers added, is larger
     * than the broker takes. It goes out without its value, the whole record stays in
     * {@code jobs.task_dead_letters}, where operators list and re-drive it, and the next task of the same
     * account (in the same partition) is applied. Sent in full, the dead letter was refused on every
     * delivery of its batch, and no later task of the partition was applied.
     */
    @Test
    void aDeadLetterTooLargeForTheBrokerGoesOutWithoutItsValueAndItsPartitionGoesOn()
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        var portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        byte[] garbage = OversizedRecords.letters();
        RecordMetadata written = OversizedRecords.publish(
                bootstrapServers, properties.topics().tasks(), account.toString(), garbage, PATIENCE);
        // Its dead letter is stored before it is sent: the task's record comes in a later batch, not in
        // the one that may fail.
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT count(*) FROM jobs.task_dead_letters WHERE record_key = ?")
                                .param(account.toString())
                                .query(Long.class)
                                .single()
                        == 1);

        publish(job);

        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(directory.membership(account, ann)).isEmpty();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).hasSize(1));
        ConsumerRecord<String, byte[]> published = deadLettersOf(account).getFirst();
        UUID id = UUID.fromString(idHeader(published));
        assertThat(published.value()).as("without its value").isNull();
        assertThat(header(published, VALUE_OMITTED_HEADER))
                .isEqualTo(OversizedRecords.SIZE + " bytes; the record is kept in jobs.task_dead_letters");
        assertThat(header(published, KafkaHeaders.DLT_ORIGINAL_TOPIC))
                .isEqualTo(properties.topics().tasks());
        assertThat(ByteBuffer.wrap(published
                                .headers()
                                .lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET)
                                .value())
                        .getLong())
                .isEqualTo(written.offset());
        JsonNode listed = body(exchange(
                http.get().uri("/internal/dead-letters?limit=500").header("Authorization", "Bearer " + operatorToken()),
                false));
        assertThat(listed.get("items").values())
                .filteredOn(entry -> entry.get("id").asString().equals(id.toString()))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.get("key").asString()).isEqualTo(account.toString());
                    assertThat(entry.hasNonNull("publishedAt")).isTrue();
                });
        assertThat(jdbc.sql("SELECT record_value FROM jobs.task_dead_letters WHERE id = ?")
                        .param(id)
                        .query(byte[].class)
                        .single())
                .as("the whole record, for a re-drive")
                .hasSize(garbage.length)
                .isEqualTo(garbage);
    }

    /**
     * The broker takes one dead letter of a batch and fails another (a timeout, which a later delivery
     * gets past): the one taken is marked as sent, so the batch delivered again sends only the failed
     * one, not both.
     */
    @Test
    void aDeadLetterTheBrokerTookIsNotSentAgainWhenAnotherOfItsBatchFailed() {
        MockProducer<Object, Object> producer = answeredByTheTest();
        DeadLetters sender = new DeadLetters(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)),
                properties,
                new SimpleMeterRegistry(),
                store,
                json);
        UUID takenAccount = UUID.randomUUID();
        UUID failedAccount = UUID.randomUUID();
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        Instant at = Instant.now();
        Exception reason = new IllegalArgumentException("not a task");
        List<DeadLetters.DeadLetter> batch = List.of(
                new DeadLetters.DeadLetter(record(offset, at, takenAccount, "{taken"), reason),
                new DeadLetters.DeadLetter(record(offset + 1, at, failedAccount, "{failed"), reason));

        CompletableFuture<Void> first = sender.send(batch);
        producer.completeNext();
        producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)"));

        assertThatThrownBy(first::join)
                .isInstanceOf(CompletionException.class)
                .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        assertThat(publishedKeys(takenAccount, failedAccount)).containsExactly(takenAccount.toString());

        CompletableFuture<Void> again = sender.send(batch);
        assertThat(producer.history())
                .extracting(ProducerRecord::key)
                .as("delivered again: only the failed one is sent again")
                .containsExactly(takenAccount.toString(), failedAccount.toString(), failedAccount.toString());
        producer.completeNext();
        again.join();
        assertThat(publishedKeys(takenAccount, failedAccount))
                .containsExactlyInAnyOrder(takenAccount.toString(), failedAccount.toString());
    }

    /**
     * The dead-letter topic missing from the broker, which refuses to create it (as for lack of rights), the
     * producer fails the first dead letter after {@code max.block.ms}: the batch's dead letters give up
     * there, all recorded and none marked as sent, for the batch delivered again. Every dead letter of
     * the batch used to be handed to the producer, each failing after as long.
     */
    @Test
    void aBatchsDeadLettersGiveUpAtTheFirstOneTheProducerFailedAtOnce() {
        String topic = RefusedTopics.create(bootstrapServers);
        try (MissingTopicProducer missing = new MissingTopicProducer(producers)) {
            DeadLetters sender = new DeadLetters(
                    missing.template(),
                    MissingTopicProducer.withTopics(
                            properties, properties.topics().activity(), topic),
                    new SimpleMeterRegistry(),
                    store,
                    json);
            long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
            Instant at = Instant.now();
            Exception reason = new IllegalArgumentException("not a task");
            List<UUID> accounts = new ArrayList<>();
            List<DeadLetters.DeadLetter> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                UUID account = UUID.randomUUID();
                accounts.add(account);
                batch.add(new DeadLetters.DeadLetter(record(offset + i, at, account, "{not a task"), reason));
            }

            CompletableFuture<Void> sent = sender.send(batch);

            assertThatThrownBy(() -> sent.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasRootCauseInstanceOf(org.apache.kafka.common.errors.ApiException.class);
            assertThat(missing.sendsTo(topic))
                    .as("dead letters handed to the producer, of %d", batch.size())
                    .isEqualTo(1);
            assertThat(jdbc.sql("SELECT count(*) FILTER (WHERE published_at IS NULL) FROM jobs.task_dead_letters"
                                    + " WHERE record_key = ANY(?)")
                            .param(accounts.stream().map(UUID::toString).toArray(String[]::new))
                            .query(Long.class)
                            .single())
                    .as("recorded, not sent")
                    .isEqualTo(batch.size());
        }
    }

    /**
     * A dead letter refused as too large goes out without its value and without a key too long to keep,
     * with its id and the original record's position and exception in the headers
     * {@link org.springframework.kafka.listener.DeadLetterPublishingRecoverer} writes; it counts as sent.
     */
    @Test
    void aDeadLetterWithoutItsValueNamesTheRecordAndKeepsOnlyAShortKey() {
        MockProducer<Object, Object> producer = answeredByTheTest();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        DeadLetters sender = new DeadLetters(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> producer)), properties, meters, store, json);
        String longKey = UUID.randomUUID() + "k".repeat(300);
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        ConsumerRecord<String, Object> record = new ConsumerRecord<>(
                properties.topics().tasks(), 3, offset, longKey, "{too large".getBytes(StandardCharsets.UTF_8));
        Exception reason = new IllegalArgumentException("x".repeat(5000));

        CompletableFuture<Void> sent = sender.send(List.of(new DeadLetters.DeadLetter(record, reason)));
        producer.errorNext(new RecordTooLargeException("The message is 2106639 bytes when serialized"));
        await().atMost(PATIENCE).until(() -> producer.history().size() == 2);
        producer.completeNext();
        sent.join();

        ProducerRecord<Object, Object> withoutValue = producer.history().get(1);
        UUID id = jdbc.sql("SELECT id FROM jobs.task_dead_letters WHERE record_key = ? AND published_at IS NOT NULL")
                .param(longKey)
                .query(UUID.class)
                .single();
        assertThat(withoutValue.topic()).isEqualTo(properties.topics().deadLetter());
        assertThat(withoutValue.key()).as("a key over 256 bytes is left out").isNull();
        assertThat(withoutValue.value()).isNull();
        assertThat(withoutValue.headers().toArray())
                .extracting(Header::key)
                .containsExactly(
                        DeadLetters.ID_HEADER,
                        KafkaHeaders.DLT_ORIGINAL_TOPIC,
                        KafkaHeaders.DLT_ORIGINAL_PARTITION,
                        KafkaHeaders.DLT_ORIGINAL_OFFSET,
                        KafkaHeaders.DLT_EXCEPTION_FQCN,
                        KafkaHeaders.DLT_EXCEPTION_MESSAGE,
                        VALUE_OMITTED_HEADER);
        assertThat(text(withoutValue.headers(), DeadLetters.ID_HEADER)).isEqualTo(id.toString());
        assertThat(text(withoutValue.headers(), KafkaHeaders.DLT_ORIGINAL_TOPIC))
                .isEqualTo(properties.topics().tasks());
        assertThat(ByteBuffer.wrap(withoutValue
                                .headers()
                                .lastHeader(KafkaHeaders.DLT_ORIGINAL_PARTITION)
                                .value())
                        .getInt())
                .isEqualTo(3);
        assertThat(ByteBuffer.wrap(withoutValue
                                .headers()
                                .lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET)
                                .value())
                        .getLong())
                .isEqualTo(offset);
        assertThat(text(withoutValue.headers(), KafkaHeaders.DLT_EXCEPTION_FQCN))
                .isEqualTo(IllegalArgumentException.class.getName());
        assertThat(text(withoutValue.headers(), KafkaHeaders.DLT_EXCEPTION_MESSAGE))
                .isEqualTo("x".repeat(1000));
        assertThat(text(withoutValue.headers(), VALUE_OMITTED_HEADER))
                .isEqualTo("10 bytes; the record is kept in jobs.task_dead_letters");
        assertThat(meters.get("bulk.tasks.dead.lettered").counter().count()).isEqualTo(1);
    }

    /**
     * Worker A records a dead letter and hands it to the producer, then stalls longer than the session
     * timeout; worker B is given the partition and the same batch (nothing was committed), finds the
     * dead letter not yet marked as sent, sends it, marks it and counts it. When A's send is
     * acknowledged, its marking finds the dead letter marked already: the record went out twice (the
     * same id in both), and is counted once, by B. A counted it too, so the counter said 2 for one record.
     */
    @Test
    void aDeadLetterTwoWorkersSendIsCountedOnce() {
        MockProducer<Object, Object> stalled = answeredByTheTest();
        SimpleMeterRegistry stalledMeters = new SimpleMeterRegistry();
        DeadLetters stalledWorker = new DeadLetters(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> stalled)), properties, stalledMeters, store, json);
        MockProducer<Object, Object> other = answered(true);
        SimpleMeterRegistry otherMeters = new SimpleMeterRegistry();
        DeadLetters otherWorker = new DeadLetters(
                new KafkaTemplate<>(new MockProducerFactory<>(() -> other)), properties, otherMeters, store, json);
        UUID account = UUID.randomUUID();
        List<DeadLetters.DeadLetter> batch = List.of(new DeadLetters.DeadLetter(
                record(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50), Instant.now(), account, "{twice"),
                new IllegalArgumentException("not a task")));

        CompletableFuture<Void> stalledSend = stalledWorker.send(batch);
        otherWorker.send(batch).join();
        stalled.completeNext();
        stalledSend.join();

        assertThat(stalled.history()).hasSize(1);
        assertThat(other.history()).hasSize(1);
        assertThat(text(stalled.history().getFirst().headers(), DeadLetters.ID_HEADER))
                .as("the same id on both")
                .isEqualTo(text(other.history().getFirst().headers(), DeadLetters.ID_HEADER));
        assertThat(otherMeters.get("bulk.tasks.dead.lettered").counter().count())
                .as("counted by the worker that marked it")
                .isEqualTo(1);
        assertThat(stalledMeters.get("bulk.tasks.dead.lettered").counter().count())
                .as("not counted again by the worker that found it marked")
                .isZero();
    }

    /** The sends of a producer that answers each one when the test completes or fails it. */
    private static MockProducer<Object, Object> answeredByTheTest() {
        return answered(false);
    }

    /** A producer that acknowledges each send at once ({@code autoComplete}) or when the test says so. */
    private static MockProducer<Object, Object> answered(boolean autoComplete) {
        Serializer<Object> serializer = (topic, data) -> data == null
                ? null
                : data instanceof byte[] bytes ? bytes : String.valueOf(data).getBytes(StandardCharsets.UTF_8);
        return new MockProducer<>(autoComplete, null, serializer, serializer) {

            // The template closes its producer after each send; the next send takes the same one.
            @Override
            public void close(Duration timeout) {}
        };
    }

    private List<String> publishedKeys(UUID oneAccount, UUID otherAccount) {
        return jdbc.sql("SELECT record_key FROM jobs.task_dead_letters WHERE record_key IN (?, ?)"
                        + " AND published_at IS NOT NULL")
                .param(oneAccount.toString())
                .param(otherAccount.toString())
                .query(String.class)
                .list();
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
        // The job's trace, as the gateway stores the submission's and the relay sends its records in it.
        String jobTrace = randomHex(16);
        jdbc.sql("UPDATE jobs.bulk_jobs SET trace_parent = ? WHERE id = ?")
                .params("00-" + jobTrace + "-" + randomHex(8) + "-01", job.id())
                .update();
        UUID hidden = UUID.randomUUID();
        // The record arrives before its task can be found (e.g. restored from a backup later): dead-lettered.
        jdbc.sql("UPDATE jobs.bulk_tasks SET id = ? WHERE id = ?")
                .params(hidden, taskId)
                .update();

        taskRecords().publish(job.messages(), "00-" + jobTrace + "-" + randomHex(8) + "-01");
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).hasSize(1));
        UUID id = UUID.fromString(idHeader(deadLettersOf(account).getFirst()));
        assertThat(jobs.task(hidden).status()).isEqualTo(TaskStatus.PENDING);

        // As an operator calls it, with a token from ops/internal-token.sh.
        JsonNode listed = body(exchange(
                http.get().uri("/internal/dead-letters?limit=500").header("Authorization", "Bearer " + operatorToken()),
                false));
        assertThat(listed.get("items").values())
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
        // Half of a surrogate pair alone is no character (PostgreSQL would keep '?'): refused the same way.
        Answer halfOperator = redrive(id, """
                {"operator": "ops-jane\\ud800", "reason": "task restored"}""");
        assertThat(halfOperator.status).as(halfOperator.body).isEqualTo(400);
        assertThat(halfOperator.contentType).contains("application/problem+json");
        assertThat(halfOperator.body)
                .contains(
                        "'operator' may not contain half of a surrogate pair without the other (U+D800 at position 9)");
        Answer halfReason = redrive(id, """
                {"operator": "ops-jane", "reason": "\\udc00task restored"}""");
        assertThat(halfReason.status).as(halfReason.body).isEqualTo(400);
        assertThat(halfReason.body).contains("'reason' may not contain half of a surrogate pair");
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
        // The re-driven record is in the job's trace, not in the operator's request's, and so are the
        // task's apply and its activity event after it.
        try (TopicRecords tasks =
                new TopicRecords(bootstrapServers, properties.topics().tasks())) {
            assertThat(tasks.read())
                    .filteredOn(record -> account.toString().equals(record.key()))
                    .as("the record as published, then as re-driven")
                    .hasSize(2)
                    .extracting(record -> traceId(record))
                    .containsOnly(jobTrace);
        }
        assertThat(activityRecordsOf(List.of(taskId)))
                .extracting(record -> traceId(record))
                .containsOnly(jobTrace);
    }

    /**
     * Task A, an invitation of ann, is dead-lettered while its row is missing ({@code No task A is
     * stored}: the database restored from an older backup); meanwhile task B, a later removal of ann on
     * the same account, is applied. Once the rows are back, an operator following the
     * BulkTasksDeadLettered runbook re-drives A: refused with 409, naming B and the runbook for such
     * tasks, and nothing is sent; A stays pending, ann has no access, and the dead letter stays open, to
     * dismiss. Before, the re-drive answered 200 and ann was invited again after her removal, as the
     * gateway's stuck-task sweep does not do.
     */
    @Test
    void aRedriveIsRefusedWhenALaterTaskOfItsAccountWasAppliedAlready() {
        var portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(
                        account,
                        ann,
                        directory.email(ann),
                        AccountRole.MANAGER,
                        Instant.now().plus(7, ChronoUnit.DAYS))));
        SubmittedJob removal = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        UUID taskId = invitation.taskId(0);
        // Its row missing, as after a restore from an older backup: under another id, on another account.
        UUID hidden = UUID.randomUUID();
        jdbc.sql("UPDATE jobs.bulk_tasks SET id = ?, account_id = ? WHERE id = ?")
                .params(hidden, UUID.randomUUID(), taskId)
                .update();
        publish(invitation);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).hasSize(1));
        UUID id = UUID.fromString(idHeader(deadLettersOf(account).getFirst()));
        publish(removal);
        assertThat(awaitFinished(removal).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(jobs.task(removal.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(directory.membership(account, ann)).isEmpty();
        // The rows are back.
        jdbc.sql("UPDATE jobs.bulk_tasks SET id = ?, account_id = ? WHERE id = ?")
                .params(taskId, account, hidden)
                .update();

        Answer redriven = redrive(id, Map.of("operator", "ops-jane", "reason", "task rows restored"), true);

        assertThat(redriven.status).as(redriven.body).isEqualTo(409);
        assertThat(redriven.contentType).contains("application/problem+json");
        assertThat(json.readTree(redriven.body).get("detail").asString())
                .contains("task " + taskId + " (INVITE, job " + invitation.id() + ") is pending")
                .contains(removal.taskId(0) + " (REMOVE, job " + removal.id() + ") ended SUCCEEDED")
                .contains("out of order")
                .contains("Dismiss the dead letter")
                .contains("BulkOldestPendingTaskTooOld");
        assertThat(jobs.task(taskId).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(directory.membership(account, ann))
                .as("ann not invited again")
                .isEmpty();
        assertRefusedRedriveSentNothing(taskId, id);
        Answer dismissed = dismiss(id, Map.of("operator", "ops-jane", "reason", "a later removal was applied"), true);
        assertThat(dismissed.status).as(dismissed.body).isEqualTo(200);
    }

    /**
     * A record that cannot be read as a task but names one in its JSON (here a removal of ann without
     * her user id) fails its task {@code INVALID_TASK} as it is dead-lettered. Its dead letter is listed
     * with that task, and its re-drive answers 409 naming how the task ended, sends nothing and leaves
     * the dead letter open, to dismiss. Before, it was listed with no task, and the re-drive answered 200
     * "re-driven" and changed nothing: a task is applied only while it is pending, and the removal was
     * lost unseen.
     */
    @Test
    void aRedriveIsRefusedWhenItsTaskEndedAlready() {
        var portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        UUID ann = directory.user();
        directory.member(account, ann, AccountRole.ANALYST);
        SubmittedJob job = jobs.submit(
                portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), List.of(remove(account, ann)));
        UUID taskId = job.taskId(0);
        ObjectNode withoutUserId = json.valueToTree(job.message(0));
        withoutUserId.putObject("user").put("email", directory.email(ann));

        taskRecords().publishRaw(account.toString(), json.writeValueAsString(withoutUserId));

        assertThat(awaitFinished(job).status()).isEqualTo(JobStatus.COMPLETED_WITH_ERRORS);
        assertThat(jobs.task(taskId))
                .extracting(task -> task.status(), task -> task.reason())
                .containsExactly(TaskStatus.FAILED, ReasonCode.INVALID_TASK);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(deadLettersOf(account)).hasSize(1));
        UUID id = UUID.fromString(idHeader(deadLettersOf(account).getFirst()));
        assertThat(listed(""))
                .filteredOn(entry -> entry.get("id").asString().equals(id.toString()))
                .singleElement()
                .satisfies(entry -> assertThat(Optional.ofNullable(entry.get("taskId"))
                                .map(JsonNode::asString)
                                .orElse(null))
                        .as("the task its JSON names")
                        .isEqualTo(taskId.toString()));

        Answer redriven = redrive(id, Map.of("operator", "ops-jane", "reason", "reader fixed"), true);

        assertThat(redriven.status).as(redriven.body).isEqualTo(409);
        assertThat(redriven.contentType).contains("application/problem+json");
        assertThat(json.readTree(redriven.body).get("detail").asString())
                .contains("task " + taskId + " (REMOVE, job " + job.id() + ") ended FAILED INVALID_TASK")
                .contains("would change nothing")
                .contains("Dismiss the dead letter")
                .contains("submit the change again");
        assertThat(directory.membership(account, ann)).as("ann not removed").isPresent();
        assertRefusedRedriveSentNothing(taskId, id);
    }

    /**
     * A dead letter whose cause no fix removes (here a record a producer other than the gateway wrote)
     * would only be dead-lettered again by a re-drive, and was kept for ever when left. An operator
     * dismisses it: nothing is sent, it is listed as dismissed, not among the open ones, and a re-drive
     * of it answers 409; dismissing it again answers it as dismissed first. A re-driven one cannot be
     * dismissed. (The gateway's retention deletes it after its age: {@code RetentionIntegrationTests}.)
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void anOperatorDismissesADeadLetterWhoseCauseCannotBeFixed(CapturedOutput output)
            throws IOException, InterruptedException {
        UUID foreign = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        taskRecords().publishRaw(foreign.toString(), "{not the gateway's");
        taskRecords().publishRaw(other.toString(), "{not the gateway's either");
        await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(deadLettersOf(foreign)).hasSize(1);
            assertThat(deadLettersOf(other)).hasSize(1);
        });
        UUID id = UUID.fromString(idHeader(deadLettersOf(foreign).getFirst()));
        UUID otherId = UUID.fromString(idHeader(deadLettersOf(other).getFirst()));
        Map<String, String> dismissal = Map.of("operator", "ops-jane", "reason", "not the gateway's record");

        assertThat(dismiss(id, dismissal, false).status)
                .as("without the internal token")
                .isEqualTo(401);
        Answer noReason = dismiss(id, Map.of("operator", "ops-jane"), true);
        assertThat(noReason.status).isEqualTo(400);
        assertThat(noReason.contentType).contains("application/problem+json");
        assertThat(noReason.body).contains("'reason' is required");
        Answer unstorable = dismiss(id, Map.of("operator", "ops\u0000jane", "reason", "r"), true);
        assertThat(unstorable.status).as(unstorable.body).isEqualTo(400);
        assertThat(unstorable.body).contains("'operator' may not contain control characters");
        // The operator is named in the log line that records the dismissal: a line break would start a
        // line of the caller's making there.
        Answer twoLines = dismiss(
                id, Map.of("operator", "ops-jane\nDead letter " + id + " dismissed by bob", "reason", "r"), true);
        assertThat(twoLines.status).as(twoLines.body).isEqualTo(400);
        assertThat(twoLines.contentType).contains("application/problem+json");
        assertThat(twoLines.body).contains("'operator' may not contain a line break (U+000A at position 9)");
        Answer half = exchange(
                http.post()
                        .uri("/internal/dead-letters/{id}/dismiss", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .body("""
                                {"operator": "ops-jane", "reason": "\\udc00foreign"}"""),
                true);
        assertThat(half.status).as(half.body).isEqualTo(400);
        assertThat(half.body).contains("'reason' may not contain half of a surrogate pair");
        assertThat(dismiss(UUID.randomUUID(), dismissal, true).status).isEqualTo(404);

        Answer dismissed = dismiss(id, dismissal, true);
        assertThat(dismissed.status).as(dismissed.body).isEqualTo(200);
        assertThat(body(dismissed).get("dismissedBy").asString()).isEqualTo("ops-jane");
        assertThat(body(dismissed).get("dismissReason").asString()).isEqualTo("not the gateway's record");
        assertThat(body(dismissed).hasNonNull("dismissedAt")).isTrue();
        assertThat(body(dismissed).hasNonNull("redrivenAt")).isFalse();
        Answer again = dismiss(id, Map.of("operator", "ops-joe", "reason", "once more"), true);
        assertThat(again.status).as("dismissing twice is fine").isEqualTo(200);
        assertThat(body(again).get("dismissedBy").asString())
                .as("as dismissed first")
                .isEqualTo("ops-jane");
        Answer redriven = redrive(id, Map.of("operator", "ops-joe", "reason", "try anyway"), true);
        assertThat(redriven.status).as(redriven.body).isEqualTo(409);
        assertThat(redriven.contentType).contains("application/problem+json");
        assertThat(redriven.body).contains("dismissed").contains("ops-jane");

        assertThat(listed(""))
                .filteredOn(entry -> entry.get("id").asString().equals(id.toString()))
                .singleElement()
                .satisfies(entry -> {
                    assertThat(entry.get("dismissedBy").asString()).isEqualTo("ops-jane");
                    assertThat(entry.hasNonNull("dismissedAt")).isTrue();
                });
        assertThat(listed("&redriven=false&dismissed=false"))
                .as("the open ones")
                .extracting(entry -> entry.get("id").asString())
                .contains(otherId.toString())
                .doesNotContain(id.toString());
        assertThat(listed("&dismissed=true"))
                .extracting(entry -> entry.get("id").asString())
                .contains(id.toString())
                .doesNotContain(otherId.toString());
        assertThat(listed("&redriven=false"))
                .as("not re-driven, as before")
                .extracting(entry -> entry.get("id").asString())
                .contains(id.toString(), otherId.toString());
        Answer notABoolean = get("/internal/dead-letters?dismissed=no", true);
        assertThat(notABoolean.status).isEqualTo(400);
        assertThat(notABoolean.body).contains("\"field\":\"dismissed\"");

        // A reason may take lines (it is stored and answered so), but its log line stays one line.
        String forged = "Dead letter " + id + " re-driven by bob: forged";
        Answer otherRedriven =
                redrive(otherId, Map.of("operator", "ops-jane", "reason", "producer fixed\r\n" + forged), true);
        assertThat(otherRedriven.status).as(otherRedriven.body).isEqualTo(200);
        assertThat(body(otherRedriven).get("redriveReason").asString()).isEqualTo("producer fixed\r\n" + forged);
        assertThat(output.getAll().lines().filter(line -> line.contains(forged)))
                .singleElement()
                .asString()
                .contains("Dead letter " + otherId + " (", " by ops-jane: producer fixed\\r\\n" + forged);
        Answer dismissRedriven = dismiss(otherId, dismissal, true);
        assertThat(dismissRedriven.status).as(dismissRedriven.body).isEqualTo(409);
        assertThat(dismissRedriven.body).contains("re-driven already");

        assertThat(deadLettersOf(foreign)).as("nothing sent by the dismissal").hasSize(1);
        try (TopicRecords tasks =
                new TopicRecords(bootstrapServers, properties.topics().tasks())) {
            assertThat(tasks.read())
                    .filteredOn(record -> foreign.toString().equals(record.key()))
                    .as("the record as published, not sent again")
                    .hasSize(1);
        }
    }

    /**
     * After a refused re-drive: the task's record is on the task topic once, as published, not sent
     * again, and the dead letter {@code id} is still open.
     */
    private void assertRefusedRedriveSentNothing(UUID taskId, UUID id) {
        try (TopicRecords tasks =
                new TopicRecords(bootstrapServers, properties.topics().tasks())) {
            assertThat(tasks.read())
                    .filteredOn(
                            record -> new String(record.value(), StandardCharsets.UTF_8).contains(taskId.toString()))
                    .as("the record as published, not sent again")
                    .hasSize(1);
        }
        assertThat(listed("&redriven=false&dismissed=false"))
                .as("still open")
                .extracting(entry -> entry.get("id").asString())
                .contains(id.toString());
    }

    /** The items of the first page of 500 dead letters, with {@code query} after the limit. */
    private List<JsonNode> listed(String query) {
        return body(get("/internal/dead-letters?limit=500" + query, true)).get("items").values().stream()
                .toList();
    }

    /** The trace id of the record's {@code traceparent} header; "none" without one. */
    private static String traceId(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader("traceparent");
        return header == null ? "none" : new String(header.value(), StandardCharsets.UTF_8).split("-")[1];
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }

    /** A token minted by the operators' script as it was first shown: no service named, the one secret set. */
    private static String operatorToken() throws IOException, InterruptedException {
        return operatorToken(Map.of("BULK_INTERNAL_TOKEN_SECRET", TestTokens.INTERNAL_SECRET));
    }

    /** A token minted by the operators' script with these secrets set, for the service named (if any). */
    private static String operatorToken(Map<String, String> secrets, String... service)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(
                List.of("bash", Path.of("..", "ops", "internal-token.sh").toString()));
        command.addAll(List.of(service));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(variable -> variable.endsWith("_TOKEN_SECRET"));
        builder.environment().putAll(secrets);
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

    private Answer dismiss(UUID id, Map<String, String> body, boolean withToken) {
        return exchange(
                http.post()
                        .uri("/internal/dead-letters/{id}/dismiss", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(body),
                withToken);
    }

    /** A re-drive with the body as written, JSON escapes included, and the internal token. */
    private Answer redrive(UUID id, String json) {
        return exchange(
                http.post()
                        .uri("/internal/dead-letters/{id}/redrive", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(json),
                true);
    }

    private Answer get(String path, boolean withToken) {
        return exchange(http.get().uri(path), withToken);
    }

    private static Answer exchange(RestClient.RequestHeadersSpec<?> request, boolean withToken) {
        if (withToken) {
            request.header("Authorization", TestTokens.workerAuthorization());
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

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return text(record.headers(), name);
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        assertThat(header).as("the header " + name).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private record Answer(int status, String contentType, String body) {}
}
