package com.portfoliobulk.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.servicesupport.ids.TimeOrderedIds;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.OversizedRecords;
import com.portfoliobulk.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class ActivityLogIntegrationTests {

    private static final Duration WRITTEN_WITHIN = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String LISTENER = "com.portfoliobulk.audit.log.ActivityEventListener";

    @LocalServerPort
    int port;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Autowired
    MeterRegistry meters;

    @Autowired
    JdbcTemplate jdbcTemplate;

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    private final UUID portfolio = UUID.randomUUID();

    private final Actor admin = ActivityEvents.newAdmin();

    private ActivityEvents events;

    private RestClient http;

    @BeforeEach
    void connect() {
        events = new ActivityEvents(bootstrapServers);
        http = RestClient.builder()
                .requestInterceptor((request, body, execution) -> {
                    request.getHeaders().set("Authorization", TestTokens.auditAuthorization());
                    return execution.execute(request, body);
                })
                .build();
    }

    @AfterEach
    void disconnect() {
        events.close();
    }

    @Test
    void writesOneEntryPerChangeWithTheSentenceAPersonReads() {
        UUID account = UUID.randomUUID();
        UUID job = UUID.randomUUID();
        UserRef ann = ActivityEvents.newUser();
        Instant start = ActivityEvents.now();
        AccountActivityEvent invited = ActivityEvents.event(
                portfolio, account, job, admin, ActivityAction.USER_INVITED, ann, null, AccountRole.ANALYST, start);
        AccountActivityEvent changed = ActivityEvents.event(
                portfolio,
                account,
                job,
                admin,
                ActivityAction.ROLE_CHANGED,
                ann,
                AccountRole.ANALYST,
                AccountRole.MANAGER,
                start.plusSeconds(1));
        AccountActivityEvent removed = ActivityEvents.event(
                portfolio,
                account,
                job,
                admin,
                ActivityAction.ACCESS_REMOVED,
                new UserRef(ann.userId(), null),
                AccountRole.MANAGER,
                null,
                start.plusSeconds(2));

        events.publish(List.of(invited, changed, removed));

        List<JsonNode> items = awaitEntries(account, 3);
        assertThat(items)
                .extracting(item -> item.get("summary").asString())
                .containsExactly(
                        "Access of " + ann.userId() + " (Manager) removed by " + admin.email()
                                + " from the portfolio level",
                        "Role of " + ann.email() + " changed from Analyst to Manager by " + admin.email()
                                + " from the portfolio level",
                        ann.email() + " was invited as Analyst by " + admin.email() + " from the portfolio level");
        JsonNode change = items.get(1);
        assertThat(change.get("action").asString()).isEqualTo("ROLE_CHANGED");
        assertThat(change.get("occurredAt").asString())
                .isEqualTo(start.plusSeconds(1).toString());
        assertThat(change.get("targetUser").get("userId").asString())
                .isEqualTo(ann.userId().toString());
        assertThat(change.get("targetUser").get("email").asString()).isEqualTo(ann.email());
        assertThat(change.get("previousRole").asString()).isEqualTo("ANALYST");
        assertThat(change.get("newRole").asString()).isEqualTo("MANAGER");
        assertThat(change.get("initiatedFrom").asString()).isEqualTo("PORTFOLIO");
        assertThat(change.get("actor").get("userId").asString())
                .isEqualTo(admin.userId().toString());
        assertThat(change.get("actor").get("email").asString()).isEqualTo(admin.email());
        assertThat(change.get("portfolioId").asString()).isEqualTo(portfolio.toString());
        assertThat(change.get("jobId").asString()).isEqualTo(job.toString());
        assertThat(change.get("taskId").asString()).isEqualTo(changed.taskId().toString());
        assertThat(change.get("entryId").asString()).isNotBlank();
        assertThat(items.get(2).has("previousRole")).isFalse();
        assertThat(items.get(0).has("newRole")).isFalse();
    }

    @Test
    void theLineAboutAJobsWrittenEntriesCarriesItsJobPortfolioAndTrace() {
        try (LogLines lines = LogLines.of(LISTENER, Level.DEBUG)) {
            UUID account = UUID.randomUUID();
            UUID job = UUID.randomUUID();
            String traceId = "0af7651916cd43dd8448eb211c80319c";
            AccountActivityEvent invited = ActivityEvents.event(
                    portfolio,
                    account,
                    job,
                    admin,
                    ActivityAction.USER_INVITED,
                    ActivityEvents.newUser(),
                    null,
                    AccountRole.ANALYST,
                    ActivityEvents.now());

            events.publish(List.of(invited), "00-" + traceId + "-b7ad6b7169203331-01");

            awaitEntries(account, 1);
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> lines.lines().stream()
                            .anyMatch(line -> job.toString()
                                    .equals(line.getMDCPropertyMap().get("jobId"))));
            ILoggingEvent line = lines.lines().stream()
                    .filter(event ->
                            job.toString().equals(event.getMDCPropertyMap().get("jobId")))
                    .findFirst()
                    .orElseThrow();
            assertThat(line.getFormattedMessage()).isEqualTo("Recorded 1 activity entries of job " + job);
            assertThat(line.getMDCPropertyMap())
                    .containsAllEntriesOf(
                            Map.of("jobId", job.toString(), "portfolioId", portfolio.toString(), "traceId", traceId));
        }
    }

    /** A {@code traceparent} header without a value is no trace, not a record that fails for ever. */
    @Test
    void anEventWhoseTraceparentHeaderHasNoValueIsWritten() {
        UUID account = UUID.randomUUID();
        AccountActivityEvent invited = ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                ActivityAction.USER_INVITED,
                ActivityEvents.newUser(),
                null,
                AccountRole.ANALYST,
                ActivityEvents.now());

        events.publish(List.of(invited), null);

        awaitEntries(account, 1);
    }

    @Test
    void pagesNewestFirstAndFiltersBySince() {
        UUID account = UUID.randomUUID();
        UUID sibling = UUID.randomUUID();
        UUID otherPortfolio = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> changes = new ArrayList<>();
        for (int minute = 0; minute < 5; minute++) {
            changes.add(ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(60L * minute)));
        }
        changes.add(ActivityEvents.roleChanged(portfolio, sibling, admin, start));
        changes.add(ActivityEvents.roleChanged(otherPortfolio, account, admin, start.plusSeconds(30)));

        events.publish(changes);

        awaitEntries(sibling, 1);
        await().atMost(WRITTEN_WITHIN)
                .untilAsserted(() ->
                        assertThat(items(read(otherPortfolio, account, ""))).hasSize(1));
        List<JsonNode> all = awaitEntries(account, 5);
        assertThat(all)
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(
                        taskIds(changes.get(4), changes.get(3), changes.get(2), changes.get(1), changes.get(0)));

        JsonNode first = body(read(portfolio, account, "?limit=2"));
        JsonNode second = body(read(
                portfolio, account, "?limit=2&cursor=" + first.get("nextCursor").asString()));
        JsonNode last = body(read(
                portfolio,
                account,
                "?limit=2&cursor=" + second.get("nextCursor").asString()));
        assertThat(items(first))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(4), changes.get(3)));
        assertThat(items(second))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(2), changes.get(1)));
        assertThat(items(last))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(0)));
        assertThat(last.has("nextCursor")).isTrue();
        assertThat(last.get("nextCursor").isNull()).isTrue();

        JsonNode since = body(read(portfolio, account, "?since=" + start.plusSeconds(120)));
        assertThat(items(since))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(4), changes.get(3), changes.get(2)));
        // RFC 3339 allows "t" and "z" in lower case; an empty since is none, as an empty limit or cursor
        // is (both were a 400 naming since).
        JsonNode lowerCase = body(read(
                portfolio,
                account,
                "?since=" + start.plusSeconds(120).toString().toLowerCase(Locale.ROOT)));
        assertThat(items(lowerCase))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(4), changes.get(3), changes.get(2)));
        assertThat(items(read(portfolio, account, "?since=&limit=&cursor="))).hasSize(5);
    }

    /**
     * The changes of one worker transaction share their time, and the later applied comes first, also
     * when they were read in two polls by audit-consumers whose clocks differ: the first by one an hour
     * ahead (a failover or a redeploy handed the rest to another).
     */
    @Test
    void changesOfOneTransactionListTheLaterAppliedFirstWhateverTheClocksOfTheConsumersThatWroteThem()
            throws Exception {
        UUID account = UUID.randomUUID();
        UUID job = UUID.randomUUID();
        UserRef ann = ActivityEvents.newUser();
        UserRef bob = ActivityEvents.newUser();
        Instant applied = ActivityEvents.now();
        List<AccountActivityEvent> firstPoll = List.of(
                ActivityEvents.event(
                        portfolio,
                        account,
                        job,
                        admin,
                        ActivityAction.USER_INVITED,
                        ann,
                        null,
                        AccountRole.ANALYST,
                        applied),
                ActivityEvents.event(
                        portfolio,
                        account,
                        job,
                        admin,
                        ActivityAction.USER_INVITED,
                        bob,
                        null,
                        AccountRole.ANALYST,
                        applied));
        List<AccountActivityEvent> secondPoll = List.of(
                ActivityEvents.event(
                        portfolio,
                        account,
                        job,
                        admin,
                        ActivityAction.ROLE_CHANGED,
                        ann,
                        AccountRole.ANALYST,
                        AccountRole.MANAGER,
                        applied),
                ActivityEvents.event(
                        portfolio,
                        account,
                        job,
                        admin,
                        ActivityAction.ACCESS_REMOVED,
                        bob,
                        AccountRole.ANALYST,
                        null,
                        applied));

        try (ProcessClock ahead = ProcessClock.anHourAhead()) {
            events.publish(firstPoll);
            awaitEntries(account, 2);
        }
        events.publish(secondPoll);

        assertThat(awaitEntries(account, 4))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(secondPoll.get(1), secondPoll.get(0), firstPoll.get(1), firstPoll.get(0)));
    }

    /**
     * The clock this process's time-ordered ids ({@code TimeOrderedIds}) are made by, set an hour ahead as
     * another host's may be, and back once closed: what an audit-consumer on that host would make.
     */
    private record ProcessClock(AtomicLong last, long before) implements AutoCloseable {

        static ProcessClock anHourAhead() throws ReflectiveOperationException {
            Field field = TimeOrderedIds.class.getDeclaredField("LAST");
            field.setAccessible(true);
            AtomicLong last = (AtomicLong) field.get(null);
            long before = last.get();
            last.set((System.currentTimeMillis() + Duration.ofHours(1).toMillis()) << 12);
            return new ProcessClock(last, before);
        }

        @Override
        public void close() {
            last.set(before);
        }
    }

    @Test
    void replayingTheSameEventsAddsNothing() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> changes = List.of(
                ActivityEvents.roleChanged(portfolio, account, admin, start),
                ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(1)),
                ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(2)));
        double writtenBefore = counter("bulk.audit.entries.written");
        double duplicatesBefore = counter("bulk.audit.duplicates.ignored");

        events.publish(changes);
        awaitEntries(account, 3);
        await().atMost(WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(counter("bulk.audit.entries.written") - writtenBefore)
                        .isEqualTo(3));
        events.publish(changes);
        events.publish(changes);

        await().atMost(WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(counter("bulk.audit.duplicates.ignored") - duplicatesBefore)
                        .isEqualTo(6));
        assertThat(items(read(portfolio, account, ""))).hasSize(3);
        assertThat(counter("bulk.audit.entries.written") - writtenBefore).isEqualTo(3);
    }

    @Test
    void aTaskAppliedAgainAfterARestoreHasTwoEntriesAndEachApplicationsRedeliveriesNone() {
        UUID account = UUID.randomUUID();
        UserRef ann = ActivityEvents.newUser();
        Instant removedAt = ActivityEvents.now().minusSeconds(35 * 60);
        // Ann's removal as the worker publishes it: the task's id is the event's.
        AccountActivityEvent removed = ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                ActivityAction.ACCESS_REMOVED,
                new UserRef(ann.userId(), null),
                AccountRole.MANAGER,
                null,
                removedAt);
        events.publish(List.of(removed));
        awaitEntries(account, 1);
        // The database is restored to a moment before the removal: the task is pending again, Ann is a
        // Manager again, and the entry is gone with the rest. The replay of the topic writes it again,
        // and the worker applies the task again, 35 minutes later.
        jdbcTemplate.update("DELETE FROM audit.activity_log WHERE account_id = ?", account);
        events.publish(List.of(removed));
        awaitEntries(account, 1);
        AccountActivityEvent removedAgain = appliedAgain(removed, removedAt.plusSeconds(35 * 60));
        events.publish(List.of(removedAgain));

        List<JsonNode> items = awaitEntries(account, 2);
        assertThat(items)
                .extracting(item -> item.get("occurredAt").asString())
                .containsExactly(removedAt.plusSeconds(35 * 60).toString(), removedAt.toString());
        assertThat(items)
                .allSatisfy(item -> assertThat(item.get("summary").asString())
                        .isEqualTo("Access of " + ann.userId() + " (Manager) removed by " + admin.email()
                                + " from the portfolio level"))
                .extracting(item -> item.get("taskId").asString())
                .containsOnly(removed.taskId().toString());

        // Every delivery again of either (a redelivered batch, the worker publishing a task it had
        // applied from its stored outcome, another replay) adds nothing.
        double duplicatesBefore = counter("bulk.audit.duplicates.ignored");
        events.publish(List.of(removed, removedAgain));
        events.publish(List.of(removedAgain));
        await().atMost(WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(counter("bulk.audit.duplicates.ignored") - duplicatesBefore)
                        .isEqualTo(3));
        assertThat(items(read(portfolio, account, ""))).hasSize(2);

        // Both applications read in one batch, as a replay that reaches the new one reads them.
        UUID other = UUID.randomUUID();
        AccountActivityEvent invited = ActivityEvents.event(
                portfolio,
                other,
                UUID.randomUUID(),
                admin,
                ActivityAction.USER_INVITED,
                ann,
                null,
                AccountRole.ANALYST,
                removedAt);
        events.publish(List.of(invited, appliedAgain(invited, removedAt.plusSeconds(60)), invited));
        assertThat(awaitEntries(other, 2))
                .extracting(item -> item.get("occurredAt").asString())
                .containsExactly(removedAt.plusSeconds(60).toString(), removedAt.toString());
    }

    @Test
    void anInvitationAcceptedAgainAfterARestoreHasTwoEntriesAndEachAcceptancesRepublicationsNone() {
        UUID account = UUID.randomUUID();
        UUID job = UUID.randomUUID();
        UserRef ann = ActivityEvents.newUser();
        Instant acceptedAt = ActivityEvents.now().minusSeconds(35 * 60);
        // Ann's acceptance as the worker's outbox publishes it: an id made from the invitation alone.
        AccountActivityEvent accepted = accepted(account, job, ann, acceptedAt);
        events.publish(List.of(accepted));
        awaitEntries(account, 1);
        // The database is restored to a moment before the acceptance: the invitation is pending again and
        // its link still valid, and the entry is gone with the rest. The replay of the topic writes it
        // again, and Ann accepts again, 35 minutes later: the same id at the later time.
        jdbcTemplate.update("DELETE FROM audit.activity_log WHERE account_id = ?", account);
        events.publish(List.of(accepted));
        awaitEntries(account, 1);
        AccountActivityEvent acceptedAgain = appliedAgain(accepted, acceptedAt.plusSeconds(35 * 60));
        events.publish(List.of(acceptedAgain));

        List<JsonNode> items = awaitEntries(account, 2);
        assertThat(items)
                .extracting(item -> item.get("occurredAt").asString())
                .containsExactly(acceptedAt.plusSeconds(35 * 60).toString(), acceptedAt.toString());
        assertThat(items).allSatisfy(item -> {
            assertThat(item.get("action").asString()).isEqualTo("INVITATION_ACCEPTED");
            assertThat(item.get("summary").asString()).endsWith("accepted the invitation and is now Analyst");
        });

        // The outbox publishing either again (a pass repeated after its commit failed keeps the row's
        // time), a redelivered batch or another replay adds nothing.
        double duplicatesBefore = counter("bulk.audit.duplicates.ignored");
        events.publish(List.of(accepted, acceptedAgain));
        events.publish(List.of(acceptedAgain));
        await().atMost(WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(counter("bulk.audit.duplicates.ignored") - duplicatesBefore)
                        .isEqualTo(3));
        assertThat(items(read(portfolio, account, ""))).hasSize(2);
    }

    /** The event of an invitation's acceptance, as the worker's outbox publishes it. */
    private AccountActivityEvent accepted(UUID account, UUID job, UserRef invitee, Instant at) {
        UUID eventId = UUID.nameUUIDFromBytes(("invitation-accepted:" + account + ":" + invitee.userId() + ":" + job)
                .getBytes(StandardCharsets.UTF_8));
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                eventId,
                at,
                account,
                portfolio,
                job,
                eventId,
                ActivityAction.INVITATION_ACCEPTED,
                invitee,
                null,
                AccountRole.ANALYST,
                InitiationLevel.PORTFOLIO,
                new Actor(invitee.userId(), invitee.email(), ActorKind.INVITEE),
                null,
                null);
    }

    /** The event of {@code applied}'s task applied again at {@code at}, as the worker publishes it. */
    private static AccountActivityEvent appliedAgain(AccountActivityEvent applied, Instant at) {
        return new AccountActivityEvent(
                applied.v(),
                applied.eventId(),
                at,
                applied.accountId(),
                applied.portfolioId(),
                applied.jobId(),
                applied.taskId(),
                applied.action(),
                applied.targetUser(),
                applied.previousRole(),
                applied.newRole(),
                applied.initiatedFrom(),
                applied.actor(),
                applied.previousRoleName(),
                applied.newRoleName());
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndLaterRecordsAreStillWritten() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent before = ActivityEvents.roleChanged(portfolio, account, admin, start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        AccountActivityEvent withoutRoles = ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                ActivityAction.ROLE_CHANGED,
                ActivityEvents.newUser(),
                null,
                null,
                start.plusSeconds(2));
        AccountActivityEvent refusedByTheDatabase = ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                ActivityAction.USER_INVITED,
                new UserRef(UUID.randomUUID(), "zero\u0000byte@brand.example"),
                null,
                AccountRole.SUPPORT,
                start.plusSeconds(3));
        String unreadable = "{\"v\":1,\"eventId\":";
        String unknownVersion = ActivityEvents.json(before).replace("\"v\":1", "\"v\":2");

        double deadLetteredBefore = counter("bulk.audit.entries.dead.lettered");
        try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(List.of(before));
            events.publishRaw(account, unreadable);
            events.publishRaw(account, unknownVersion);
            events.publish(List.of(withoutRoles, refusedByTheDatabase, after));

            List<JsonNode> written = awaitEntries(account, 2);
            assertThat(written)
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after, before));
            List<ConsumerRecord<String, String>> dead = awaitDeadLetters(deadLetters, account, 4);
            assertThat(dead.get(0).value()).isEqualTo(unreadable);
            assertThat(dead.get(1).value()).isEqualTo(unknownVersion);
            assertThat(dead.get(2).value()).contains(withoutRoles.eventId().toString());
            assertThat(dead.get(3).value())
                    .contains(refusedByTheDatabase.eventId().toString());
            assertThat(dead)
                    .allSatisfy(record -> assertThat(record.headers().lastHeader("kafka_dlt-exception-fqcn"))
                            .isNotNull());
            // Each one counted, for the operators' alert: by the error handler and by the listener alike.
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> counter("bulk.audit.entries.dead.lettered") - deadLetteredBefore == 4);
        }
    }

    /**
     * A record near the size limit on the activity topic: its dead letter, with the headers added, is
     * larger than the producer and the broker take. It goes out without its value, naming the record's
     * position, and the next event of the same account (in the same partition) is written. Sent in
     * full, the dead letter was refused on every delivery, and no later event of the partition was
     * written.
     */
    @Test
    void aDeadLetterTooLargeForTheBrokerGoesOutWithoutItsValueAndItsPartitionGoesOn() throws Exception {
        UUID account = UUID.randomUUID();
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now());
        try (KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            RecordMetadata written = OversizedRecords.publish(
                    bootstrapServers,
                    ActivityEvents.TOPIC,
                    account.toString(),
                    OversizedRecords.letters(),
                    WRITTEN_WITHIN);
            events.publish(List.of(after));

            assertThat(awaitEntries(account, 1, Duration.ofSeconds(45)))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after));
            ConsumerRecord<String, String> dead =
                    awaitDeadLetters(deadLetters, account, 1).getFirst();
            assertThat(dead.value()).as("without its value").isNull();
            assertThat(header(dead, "bulk_dead_letter_value_omitted"))
                    .isEqualTo(OversizedRecords.SIZE
                            + " bytes; not kept, the record stays in its original topic until its retention");
            assertThat(header(dead, KafkaHeaders.DLT_ORIGINAL_TOPIC)).isEqualTo(ActivityEvents.TOPIC);
            assertThat(ByteBuffer.wrap(dead.headers()
                                    .lastHeader(KafkaHeaders.DLT_ORIGINAL_PARTITION)
                                    .value())
                            .getInt())
                    .isEqualTo(written.partition());
            assertThat(ByteBuffer.wrap(dead.headers()
                                    .lastHeader(KafkaHeaders.DLT_ORIGINAL_OFFSET)
                                    .value())
                            .getLong())
                    .isEqualTo(written.offset());
            assertThat(header(dead, KafkaHeaders.DLT_EXCEPTION_FQCN)).isNotBlank();
        }
    }

    /**
     * Events the database refuses, one of them so large that its dead letter is too large for the
     * producer: their dead letters are sent together, that one without its value, and the event after
     * them is written. Sent in full, that dead letter failed the batch at its event on every delivery.
     */
    @Test
    void refusedEventsAreDeadLetteredTogetherAndOneTooLargeGoesOutWithoutItsValue() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> refused = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String padding = i == 1 ? "x".repeat(1_046_000) : "";
            refused.add(ActivityEvents.event(
                    portfolio,
                    account,
                    UUID.randomUUID(),
                    admin,
                    ActivityAction.USER_INVITED,
                    new UserRef(UUID.randomUUID(), "zero\u0000byte-" + i + padding + "@brand.example"),
                    null,
                    AccountRole.SUPPORT,
                    start.plusMillis(i)));
        }
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        List<AccountActivityEvent> all = new ArrayList<>(refused);
        all.add(after);
        double deadLetteredBefore = counter("bulk.audit.entries.dead.lettered");
        try (LogLines lines = LogLines.of(LISTENER);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(all);

            assertThat(awaitEntries(account, 1, Duration.ofSeconds(45)))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after));
            List<ConsumerRecord<String, String>> dead = awaitDeadLetters(deadLetters, account, 3);
            assertThat(dead)
                    .filteredOn(record -> record.value() != null)
                    .extracting(ConsumerRecord::value)
                    .satisfiesExactly(
                            value -> assertThat(value)
                                    .contains(refused.get(0).eventId().toString()),
                            value -> assertThat(value)
                                    .contains(refused.get(2).eventId().toString()));
            assertThat(dead)
                    .filteredOn(record -> record.value() == null)
                    .singleElement()
                    .satisfies(record -> assertThat(header(record, "bulk_dead_letter_value_omitted"))
                            .endsWith(" bytes; not kept, the record stays in its original topic until its retention"));
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> counter("bulk.audit.entries.dead.lettered") - deadLetteredBefore == 3);
            // The line about it names its job, task and portfolio, as the runbook searches by them.
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> lines.lines().stream()
                            .anyMatch(line ->
                                    line.getFormattedMessage().contains("its dead letter is sent without its value")));
            assertThat(lines.lines())
                    .filteredOn(
                            line -> line.getFormattedMessage().contains("its dead letter is sent without its value"))
                    .singleElement()
                    .extracting(ILoggingEvent::getMDCPropertyMap)
                    .satisfies(context -> assertThat(context)
                            .containsAllEntriesOf(Map.of(
                                    "jobId", refused.get(1).jobId().toString(),
                                    "taskId", refused.get(1).taskId().toString(),
                                    "portfolioId", portfolio.toString())));
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /**
     * The database fails once while the entries before a poison record are written: once it answers
     * again, only the poison record goes to the dead-letter topic and the records after it are written.
     * The listener is paused while the three are published, so that one poll reads them together.
     */
    @Test
    void aDatabaseFailureBeforeAPoisonRecordDeadLettersThatRecordAlone() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent before = ActivityEvents.roleChanged(portfolio, account, admin, start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        String unreadable = "{\"v\":1,\"eventId\":";
        MessageListenerContainer listener = listeners.getListenerContainer("activity-log");
        try (FailingWrites failing = FailingWrites.of(jdbcTemplate, account, true);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            // The listener holds its partitions (the topic exists) before it is paused.
            UUID warmUp = UUID.randomUUID();
            events.publish(List.of(ActivityEvents.roleChanged(portfolio, warmUp, admin, start)));
            awaitEntries(warmUp, 1);
            listener.pause();
            await().atMost(WRITTEN_WITHIN).until(listener::isContainerPaused);
            events.publish(List.of(before));
            events.publishRaw(account, unreadable);
            events.publish(List.of(after));
            listener.resume();

            assertThat(awaitEntries(account, 2))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after, before));
            assertThat(awaitDeadLetters(deadLetters, account, 1))
                    .extracting(ConsumerRecord::value)
                    .containsExactly(unreadable);
        } finally {
            listener.resume();
        }
    }

    /**
     * The database refuses the batch for one event's data, and then, while the entries are written one
     * at a time, fails once on the event after it: the refused event goes to the dead-letter topic once
     * and is counted once, and the one after it is written when tried again. The two are published as
     * one record batch, which one poll reads whole.
     */
    @Test
    void aFailureAfterAnEventTheDatabaseRefusedDoesNotDeadLetterThatEventAgain() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent refused = ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                ActivityAction.USER_INVITED,
                new UserRef(UUID.randomUUID(), "zero\u0000byte@brand.example"),
                null,
                AccountRole.SUPPORT,
                start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        double deadLetteredBefore = counter("bulk.audit.entries.dead.lettered");
        try (FailingWrites failing = FailingWrites.of(jdbcTemplate, account, true);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            publishAsOneBatch(List.of(refused, after));

            assertThat(awaitEntries(account, 1))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after));
            assertThat(failing.attempts())
                    .as("the entry after the refused one, failed once")
                    .isEqualTo(2);
            // The refused event's dead letters are all sent before the entry after it is written.
            assertThat(allDeadLetters(deadLetters, account))
                    .extracting(ConsumerRecord::value)
                    .singleElement()
                    .satisfies(value ->
                            assertThat(value).contains(refused.eventId().toString()));
            assertThat(counter("bulk.audit.entries.dead.lettered") - deadLetteredBefore)
                    .isEqualTo(1);
        }
    }

    /**
     * The database fails the batch's first write for its own state (a failover, say), then refuses the
     * batch for one event's data, and while the entries are written one at a time fails once more on
     * the event after it: the refused event still goes to the dead-letter topic once and is counted
     * once. The first failure went to the whole-batch retry, which ignored the record the second one
     * named and ran the whole batch again: the refused event was dead-lettered and counted twice.
     */
    @Test
    void aFailureOfTheFirstWriteAndOneAfterARefusedEventDeadLetterThatEventOnce() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent refused = ActivityEvents.roleChanged(portfolio, account, admin, start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        double deadLetteredBefore = counter("bulk.audit.entries.dead.lettered");
        // Writes of the account's rows: 1 the batch (fails), 2 the batch (the refused row), 3 the refused
        // row alone, 4 the one after it alone (fails), 5 that one again.
        try (FailingWrites failing = FailingWrites.of(jdbcTemplate, account, "IN (1, 4)", refused.eventId());
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            publishAsOneBatch(List.of(refused, after));

            assertThat(awaitEntries(account, 1))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after));
            assertThat(allDeadLetters(deadLetters, account))
                    .extracting(ConsumerRecord::value)
                    .singleElement()
                    .satisfies(value ->
                            assertThat(value).contains(refused.eventId().toString()));
            assertThat(counter("bulk.audit.entries.dead.lettered") - deadLetteredBefore)
                    .isEqualTo(1);
            assertThat(failing.attempts()).as("writes of the account's rows").isEqualTo(5);
        }
    }

    /**
     * A batch the database never takes is retried, until it does, with its consumer paused: that
     * consumer fetches nothing from the broker meanwhile (kafka_consumer_fetch_manager_fetch_total
     * stays flat), which is what BulkConsumerNotFetching sees, as a paused consumer reports no lag;
     * the log tells the batch failing again and again.
     */
    @Test
    void aBatchTheDatabaseDoesNotTakeIsRetriedWithoutFetching() {
        UUID account = UUID.randomUUID();
        AccountActivityEvent change = ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now());
        MessageListenerContainer listener = listeners.getListenerContainer("activity-log");
        try (LogLines lines = LogLines.of(LISTENER);
                FailingWrites failing = FailingWrites.of(jdbcTemplate, account, false)) {
            TopicPartition partition = publishAsOneBatch(List.of(change));
            String consumer = await().atMost(WRITTEN_WITHIN)
                    .until(
                            () -> listener.getAssignmentsByClientId().entrySet().stream()
                                    .filter(assigned -> assigned.getValue().contains(partition))
                                    .map(Map.Entry::getKey)
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
            // Past the fetch the consumer may have sent with the poll that read the batch.
            await().atMost(WRITTEN_WITHIN).until(failing::attempts, tries -> tries >= 3);
            double fetches = fetches(consumer);
            long tries = failing.attempts();

            await().atMost(WRITTEN_WITHIN).until(failing::attempts, later -> later >= tries + 3);
            assertThat(fetches(consumer))
                    .as("fetches of %s over 3 tries of the batch", consumer)
                    .isEqualTo(fetches);
            assertThat(items(read(portfolio, account, ""))).isEmpty();
            // The line README's runbook has operators look for.
            assertThat(lines.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anyMatch(line -> line.startsWith("Writing 1 activity entries failed (attempt ")
                            && line.contains("); trying again: Database error 40001: simulated serialization failure"));
        }

        assertThat(awaitEntries(account, 1)).hasSize(1);
    }

    /**
     * A batch the database refuses for the service's permissions or schema (its role lost the grant on
     * the table, SQLSTATE 42501) is retried as one it does not take for any other reason, and each
     * failed try's line says what mends it, as the bulk-worker's does: one classification for both
     * services (DatabaseFailure.REFUSED). Written once the grant is back.
     */
    @Test
    void aBatchTheDatabaseRefusesIsRetriedAndItsLogSaysWhatMendsIt() {
        UUID account = UUID.randomUUID();
        AccountActivityEvent change = ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now());
        try (LogLines lines = LogLines.of(LISTENER);
                FailingWrites failing = FailingWrites.permissionDenied(jdbcTemplate, account)) {
            publishAsOneBatch(List.of(change));

            await().atMost(WRITTEN_WITHIN)
                    .untilAsserted(() -> assertThat(lines.lines())
                            .extracting(ILoggingEvent::getFormattedMessage)
                            .filteredOn(line -> line.startsWith("Writing 1 activity entries failed (attempt "))
                            .hasSizeGreaterThanOrEqualTo(2)
                            .allSatisfy(line -> assertThat(line)
                                    .contains("); trying again: Database error 42501: permission denied for table"
                                            + " activity_log (simulated)")
                                    .endsWith("; a grant of the service's database role, or a table, column or"
                                            + " function, is missing: restore it (runbook BulkConsumerNotFetching)")));
            assertThat(items(read(portfolio, account, ""))).isEmpty();
        }

        assertThat(awaitEntries(account, 1)).hasSize(1);
    }

    /**
     * A batch the database cannot write for a full disk (disk_full, SQLSTATE 53100) is retried until it
     * is written, and each failed try's line says what mends it, as the bulk-worker's does. Written once
     * space is freed.
     */
    @Test
    void aBatchTheDatabaseCannotWriteForAFullDiskIsRetriedAndItsLogSaysWhatMendsIt() {
        UUID account = UUID.randomUUID();
        AccountActivityEvent change = ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now());
        try (LogLines lines = LogLines.of(LISTENER);
                FailingWrites failing = FailingWrites.diskFull(jdbcTemplate, account)) {
            publishAsOneBatch(List.of(change));

            await().atMost(WRITTEN_WITHIN)
                    .untilAsserted(() -> assertThat(lines.lines())
                            .extracting(ILoggingEvent::getFormattedMessage)
                            .filteredOn(line -> line.startsWith("Writing 1 activity entries failed (attempt "))
                            .hasSizeGreaterThanOrEqualTo(2)
                            .allSatisfy(line -> assertThat(line)
                                    .contains("); trying again: Database error 53100: could not extend file")
                                    .endsWith("; the database is out of disk space, memory or a configured limit:"
                                            + " free disk space on its volume, or give it the memory or raise the"
                                            + " limit its message names (runbook BulkConsumerNotFetching)")));
            assertThat(items(read(portfolio, account, ""))).isEmpty();
        }

        assertThat(awaitEntries(account, 1)).hasSize(1);
    }

    /** The fetch requests the consumer {@code clientId} has sent (kafka_consumer_fetch_manager_fetch_total). */
    private double fetches(String clientId) {
        return meters.get("kafka.consumer.fetch.manager.fetch.total")
                .tag("client.id", clientId)
                .functionCounter()
                .count();
    }

    /**
     * Publishes the events, all of one account, as one record batch of its partition: the producer
     * holds them until the flush sends them together.
     *
     * @return their partition
     */
    private TopicPartition publishAsOneBatch(List<AccountActivityEvent> batch) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        60_000),
                new StringSerializer(),
                new StringSerializer())) {
            List<Future<RecordMetadata>> sent = batch.stream()
                    .map(event -> producer.send(new ProducerRecord<>(
                            ActivityEvents.TOPIC, event.accountId().toString(), ActivityEvents.json(event))))
                    .toList();
            producer.flush();
            RecordMetadata first = sent.getFirst().get();
            return new TopicPartition(first.topic(), first.partition());
        } catch (InterruptedException | ExecutionException notSent) {
            throw new IllegalStateException(notSent);
        }
    }

    /**
     * One unreadable record among good ones: the log says that event went to the dead-letter topic,
     * and not that the batch's entries failed and will be tried again (they were written at once).
     */
    @Test
    void aPoisonRecordIsLoggedAsDeadLetteredWithoutABatchFailure() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent before = ActivityEvents.roleChanged(portfolio, account, admin, start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        try (LogLines lines = LogLines.of(LISTENER);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(List.of(before));
            events.publishRaw(account, "{\"v\":1,\"eventId\":");
            events.publish(List.of(after));

            assertThat(awaitEntries(account, 2)).hasSize(2);
            awaitDeadLetters(deadLetters, account, 1);
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> lines.lines().stream()
                            .map(ILoggingEvent::getFormattedMessage)
                            .anyMatch(line -> line.contains("sent to the dead-letter topic")));
            assertThat(lines.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(line -> line.contains("trying again"));
        }
    }

    /**
     * An event that can be read but makes no sense (a role change without its roles) goes to the
     * dead-letter topic; the line saying so, which the BulkActivityEventsDeadLettered runbook points
     * at, carries its job, task, portfolio and trace. Before, it was written after the listener's
     * context closed and had none of them.
     */
    @Test
    void theLineAboutAnEventSentToTheDeadLetterTopicCarriesItsJobTaskPortfolioAndTrace() {
        UUID account = UUID.randomUUID();
        UUID job = UUID.randomUUID();
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        AccountActivityEvent withoutRoles = ActivityEvents.event(
                portfolio,
                account,
                job,
                admin,
                ActivityAction.ROLE_CHANGED,
                ActivityEvents.newUser(),
                null,
                null,
                ActivityEvents.now());
        try (LogLines lines = LogLines.of(LISTENER);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(List.of(withoutRoles), "00-" + traceId + "-00f067aa0ba902b7-01");

            awaitDeadLetters(deadLetters, account, 1);
            await().atMost(WRITTEN_WITHIN)
                    .until(() -> lines.lines().stream()
                            .anyMatch(line -> line.getFormattedMessage().contains("sent to the dead-letter topic")));
            assertThat(lines.lines())
                    .filteredOn(line -> line.getFormattedMessage().contains("sent to the dead-letter topic"))
                    .singleElement()
                    .extracting(ILoggingEvent::getMDCPropertyMap)
                    .satisfies(context -> assertThat(context)
                            .containsAllEntriesOf(Map.of(
                                    "jobId", job.toString(),
                                    "taskId", withoutRoles.taskId().toString(),
                                    "portfolioId", portfolio.toString(),
                                    "traceId", traceId)));
        }
    }

    /**
     * An entry the database refuses for its data (here a check constraint, whose error goes on with
     * "Detail: Failing row contains (…)": the whole row, with the actor's and the target's addresses) is
     * sent to the dead-letter topic, and its log line gives the database's error in its first line
     * alone, as the bulk-worker's lines do. Before, the line carried the whole message, the row and its
     * addresses with it.
     */
    @Test
    void anEntryTheDatabaseRefusesIsLoggedWithoutTheRowItsErrorQuotes() {
        UUID account = UUID.randomUUID();
        AccountActivityEvent refused = ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now());
        try (LogLines lines = LogLines.of(LISTENER);
                RefusedRows refusing = RefusedRows.of(jdbcTemplate, account);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(List.of(refused));

            awaitDeadLetters(deadLetters, account, 1);
            await().atMost(WRITTEN_WITHIN)
                    .untilAsserted(() -> assertThat(lines.lines())
                            .extracting(ILoggingEvent::getFormattedMessage)
                            .filteredOn(line -> line.contains("refused by the database, sent to the dead-letter topic"))
                            .singleElement()
                            .satisfies(line -> assertThat(line)
                                    .startsWith("Activity event " + refused.eventId() + " (")
                                    .endsWith(": Database error 23514: new row for relation \"activity_log\" violates"
                                            + " check constraint \"" + refusing.name() + "\"")));
            assertThat(lines.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(line -> line.contains("Failing row contains")
                            || line.contains(admin.email())
                            || line.contains(refused.targetUser().email()));
        }
    }

    @Test
    void aRunOfEventsTheDatabaseRefusesIsDeadLetteredInOnePassWithoutRetryingTheBatch() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        AccountActivityEvent before = ActivityEvents.roleChanged(portfolio, account, admin, start);
        AccountActivityEvent after = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(5));
        List<AccountActivityEvent> refused = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            refused.add(ActivityEvents.refusedByTheDatabase(portfolio, account, admin, i, start.plusMillis(1 + i)));
        }
        List<AccountActivityEvent> all = new ArrayList<>();
        all.add(before);
        all.addAll(refused);
        all.add(after);
        try (LogLines lines = LogLines.of(LISTENER);
                KafkaConsumer<String, String> deadLetters = deadLetterConsumer()) {
            events.publish(all);

            assertThat(awaitEntries(account, 2))
                    .extracting(item -> item.get("taskId").asString())
                    .containsExactly(taskIds(after, before));
            List<ConsumerRecord<String, String>> dead = awaitDeadLetters(deadLetters, account, refused.size());
            assertThat(dead)
                    .extracting(ConsumerRecord::value)
                    .zipSatisfy(
                            refused,
                            (value, event) ->
                                    assertThat(value).contains(event.eventId().toString()));
            assertThat(dead)
                    .allSatisfy(record -> assertThat(record.headers().lastHeader("kafka_dlt-exception-fqcn"))
                            .isNotNull());
            // Not one failed delivery for the error handler to retry: the listener sent them itself.
            assertThat(lines.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(line -> line.contains("failed (attempt"));
        }
    }

    @Test
    void eventsThatFailToBeWrittenAreRetriedUntilTheDatabaseAcceptsThem() {
        UUID account = UUID.randomUUID();
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> changes = List.of(
                ActivityEvents.roleChanged(portfolio, account, admin, start),
                ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(1)));
        try (FailingWrites failing = FailingWrites.of(jdbcTemplate, account, false)) {
            events.publish(changes);

            await().atMost(WRITTEN_WITHIN).until(failing::attempts, tries -> tries >= 3);
            assertThat(items(read(portfolio, account, ""))).isEmpty();
        }

        assertThat(awaitEntries(account, 2))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(taskIds(changes.get(1), changes.get(0)));
    }

    @Test
    void invalidParametersAreAnsweredWithAProblem() {
        UUID account = UUID.randomUUID();

        ResponseEntity<String> answer = read(portfolio, account, "?since=yesterday&limit=501&cursor=x");
        ResponseEntity<String> notAnId = read("/api/v1/portfolios/" + portfolio + "/accounts/42/activity-log");

        assertThat(answer.getStatusCode().value()).isEqualTo(400);
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = body(answer);
        assertThat(problem.get("status").asInt()).isEqualTo(400);
        assertThat(problem.get("errors").findValuesAsString("field")).containsExactly("since", "limit", "cursor");
        assertThat(problem.get("type").asString()).isEqualTo("urn:portfolio-bulk:problem:invalid-request");
        assertThat(problem.get("title").asString()).isEqualTo("Invalid request parameter");
        assertThat(notAnId.getStatusCode().value()).isEqualTo(400);
        assertThat(body(notAnId).get("errors").findValuesAsString("field")).containsExactly("accountId");
        assertThat(body(notAnId).get("type").asString()).isEqualTo("urn:portfolio-bulk:problem:invalid-request");
    }

    /**
     * Times Java reads but PostgreSQL cannot hold (its timestamps span 4713 BC to 294276 AD), in
     * {@code since} and in a forged cursor of this list, select what the nearest time it can hold
     * would: a time far in the future, no entry since and every entry before it; far in the past,
     * the reverse.
     */
    @Test
    void timesBeyondTheDatabasesRangeSelectWhatTheNearestTimeWould() {
        UUID account = UUID.randomUUID();
        events.publish(List.of(ActivityEvents.roleChanged(portfolio, account, admin, ActivityEvents.now())));
        awaitEntries(account, 1);

        for (String future : new String[] {"+999999999-12-31T23:59:59Z", "+294277-01-01T00:00:00Z"}) {
            assertThat(items(read(portfolio, account, "?since=" + future.replace("+", "%2B"))))
                    .as(future)
                    .isEmpty();
            assertThat(items(read(portfolio, account, "?cursor=" + forgedCursor(portfolio, account, future))))
                    .as(future)
                    .hasSize(1);
        }
        for (String past : new String[] {"-999999999-01-01T00:00:00Z", "-4714-01-01T00:00:00Z"}) {
            assertThat(items(read(portfolio, account, "?since=" + past)))
                    .as(past)
                    .hasSize(1);
            assertThat(items(read(portfolio, account, "?cursor=" + forgedCursor(portfolio, account, past))))
                    .as(past)
                    .isEmpty();
        }
    }

    private static String forgedCursor(UUID portfolio, UUID account, String time) {
        return Cursor.of(Cursor.list("activity-log", portfolio, account), time, UUID.randomUUID())
                .encode();
    }

    @Test
    void unknownAccountHasAnEmptyLog() {
        ResponseEntity<String> answer = read(portfolio, UUID.randomUUID(), "");

        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        assertThat(items(answer)).isEmpty();
    }

    private List<JsonNode> awaitEntries(UUID account, int count) {
        return awaitEntries(account, count, WRITTEN_WITHIN);
    }

    private List<JsonNode> awaitEntries(UUID account, int count, Duration within) {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(within).untilAsserted(() -> {
            found.clear();
            found.addAll(items(read(portfolio, account, "?limit=500")));
            assertThat(found).hasSize(count);
        });
        return found;
    }

    private ResponseEntity<String> read(UUID portfolioId, UUID accountId, String query) {
        return read("/api/v1/portfolios/" + portfolioId + "/accounts/" + accountId + "/activity-log" + query);
    }

    private ResponseEntity<String> read(String pathAndQuery) {
        return http.get()
                .uri(URI.create("http://localhost:" + port + pathAndQuery))
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .headers(response.getHeaders())
                        .body(response.bodyTo(String.class)));
    }

    private static JsonNode body(ResponseEntity<String> answer) {
        assertThat(answer.getStatusCode().is2xxSuccessful()
                        || answer.getStatusCode().is4xxClientError())
                .as("status %s", answer.getStatusCode())
                .isTrue();
        return JSON.readTree(answer.getBody());
    }

    private static List<JsonNode> items(ResponseEntity<String> answer) {
        assertThat(answer.getStatusCode().value()).isEqualTo(200);
        return items(body(answer));
    }

    private static List<JsonNode> items(JsonNode page) {
        return new ArrayList<>(page.get("items").values());
    }

    private static String[] taskIds(AccountActivityEvent... changes) {
        return Arrays.stream(changes).map(change -> change.taskId().toString()).toArray(String[]::new);
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }

    /** The account's dead letters, in order, once there are {@code count} of them. */
    private static List<ConsumerRecord<String, String>> awaitDeadLetters(
            KafkaConsumer<String, String> deadLetters, UUID account, int count) {
        List<ConsumerRecord<String, String>> dead = new ArrayList<>();
        await().atMost(WRITTEN_WITHIN).untilAsserted(() -> {
            deadLetters.poll(Duration.ofMillis(200)).forEach(record -> {
                if (account.toString().equals(record.key())) {
                    dead.add(record);
                }
            });
            assertThat(dead).hasSize(count);
        });
        return dead;
    }

    /** Every dead letter of the account on the topic now: read up to the end of each partition. */
    private static List<ConsumerRecord<String, String>> allDeadLetters(
            KafkaConsumer<String, String> deadLetters, UUID account) {
        List<ConsumerRecord<String, String>> dead = new ArrayList<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        await().atMost(WRITTEN_WITHIN).until(() -> {
            deadLetters.poll(Duration.ofMillis(200)).forEach(record -> {
                if (account.toString().equals(record.key())) {
                    dead.add(record);
                }
            });
            if (end.isEmpty() && !deadLetters.assignment().isEmpty()) {
                end.putAll(deadLetters.endOffsets(deadLetters.assignment()));
            }
            return !end.isEmpty()
                    && end.entrySet().stream()
                            .allMatch(partition -> deadLetters.position(partition.getKey()) >= partition.getValue());
        });
        return dead;
    }

    private KafkaConsumer<String, String> deadLetterConsumer() {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "dead-letter-test-" + UUID.randomUUID(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest"),
                new StringDeserializer(),
                new StringDeserializer());
        consumer.subscribe(List.of(Topics.ACCOUNT_ACTIVITY_DEAD_LETTER));
        return consumer;
    }

    /**
     * A check constraint that refuses every new entry of one account, as PostgreSQL refuses a row for its
     * data (check_violation, SQLSTATE 23514, with the row in its message's detail); the entries written
     * before are not checked. Gone when closed.
     */
    private record RefusedRows(JdbcTemplate jdbc, String name) implements AutoCloseable {

        static RefusedRows of(JdbcTemplate jdbc, UUID account) {
            RefusedRows rows = new RefusedRows(
                    jdbc, "activity_refused_" + account.toString().replace("-", ""));
            jdbc.execute("ALTER TABLE audit.activity_log ADD CONSTRAINT " + rows.name() + " CHECK (account_id <> '"
                    + account + "') NOT VALID");
            return rows;
        }

        @Override
        public void close() {
            jdbc.execute("ALTER TABLE audit.activity_log DROP CONSTRAINT " + name);
        }
    }

    /**
     * A serialization failure (SQLSTATE 40001), or another error raised alike, on the writes of one
     * account's entries, every one, the first only or the ones numbered, counted by a sequence because a sequence survives the rollback;
     * gone when closed.
     */
    private record FailingWrites(JdbcTemplate jdbc, String suffix) implements AutoCloseable {

        private static final String SERIALIZATION_FAILURE = "'simulated serialization failure' USING ERRCODE = '40001'";

        static FailingWrites of(JdbcTemplate jdbc, UUID account, boolean firstOnly) {
            return of(jdbc, account, firstOnly ? "= 1" : "> 0", null);
        }

        /**
         * Every write of the account's entries refused as when the service's role lost its grant on the
         * table (insufficient_privilege, SQLSTATE 42501).
         */
        static FailingWrites permissionDenied(JdbcTemplate jdbc, UUID account) {
            return of(
                    jdbc,
                    account,
                    "> 0",
                    null,
                    "'permission denied for table activity_log (simulated)' USING ERRCODE = '42501'");
        }

        /** Every write of the account's entries failed as on a full disk (disk_full, SQLSTATE 53100). */
        static FailingWrites diskFull(JdbcTemplate jdbc, UUID account) {
            return of(
                    jdbc,
                    account,
                    "> 0",
                    null,
                    "'could not extend file \"base/16384/16500\": No space left on device' USING ERRCODE = '53100'");
        }

        /**
         * Fails the writes of the account's rows whose number (from 1) meets {@code failing} ({@code "IN
         * (1, 4)"}), and refuses the row of the event {@code refused} (if not null) for its data (a check
         * violation, SQLSTATE 23514) on every other write.
         */
        static FailingWrites of(JdbcTemplate jdbc, UUID account, String failing, UUID refused) {
            return of(jdbc, account, failing, refused, SERIALIZATION_FAILURE);
        }

        private static FailingWrites of(JdbcTemplate jdbc, UUID account, String failing, UUID refused, String raised) {
            String suffix = account.toString().replace("-", "");
            FailingWrites writes = new FailingWrites(jdbc, suffix);
            jdbc.execute("CREATE SEQUENCE " + writes.attemptsSequence());
            String refusal = refused == null
                    ? ""
                    : " IF NEW.event_id = '" + refused + "' THEN RAISE EXCEPTION 'simulated refusal'"
                            + " USING ERRCODE = '23514'; END IF;";
            jdbc.execute("CREATE FUNCTION " + writes.function() + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                    + " IF NEW.account_id = '" + account + "' THEN IF nextval('" + writes.attemptsSequence() + "') "
                    + failing + " THEN"
                    + " RAISE EXCEPTION " + raised + "; END IF;"
                    + refusal + " END IF;"
                    + " RETURN NEW; END $$");
            jdbc.execute("CREATE TRIGGER activity_failure_" + suffix
                    + " BEFORE INSERT ON audit.activity_log FOR EACH ROW EXECUTE FUNCTION " + writes.function()
                    + "()");
            return writes;
        }

        /** The writes of the account's entries tried so far. */
        long attempts() {
            return jdbc.queryForObject(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM " + attemptsSequence(), Long.class);
        }

        private String attemptsSequence() {
            return "public.activity_attempts_" + suffix;
        }

        private String function() {
            return "public.activity_failure_" + suffix;
        }

        @Override
        public void close() {
            jdbc.execute("DROP TRIGGER activity_failure_" + suffix + " ON audit.activity_log");
            jdbc.execute("DROP FUNCTION " + function() + "()");
            jdbc.execute("DROP SEQUENCE " + attemptsSequence());
        }
    }
}
