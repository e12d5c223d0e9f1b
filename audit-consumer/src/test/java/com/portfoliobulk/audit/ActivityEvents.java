package com.portfoliobulk.audit;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.contracts.UserRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Activity events as the bulk-worker publishes them (key = account id, JSON value without type
 * headers), and records that no producer of ours would send, for poison tests.
 */
public final class ActivityEvents implements AutoCloseable {

    public static final String TOPIC = Topics.ACCOUNT_ACTIVITY;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaProducer<String, String> producer;

    private final String topic;

    public ActivityEvents(String bootstrapServers) {
        this(bootstrapServers, TOPIC);
    }

    /** Publishes to {@code topic} instead of the default activity topic. */
    public ActivityEvents(String bootstrapServers, String topic) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.LINGER_MS_CONFIG,
                        0),
                new StringSerializer(),
                new StringSerializer());
    }

    /** Publishes the events, each keyed by its account, and waits until the broker has them. */
    public void publish(Collection<AccountActivityEvent> events) {
        events.forEach(event -> publishRaw(event.accountId(), JSON.writeValueAsString(event)));
        producer.flush();
    }

    /**
     * Publishes the events with a W3C {@code traceparent} header, as the worker does; with {@code null},
     * a header without a value.
     */
    public void publish(Collection<AccountActivityEvent> events, String traceParent) {
        events.forEach(event -> {
            ProducerRecord<String, String> record =
                    new ProducerRecord<>(topic, event.accountId().toString(), JSON.writeValueAsString(event));
            record.headers()
                    .add("traceparent", traceParent == null ? null : traceParent.getBytes(StandardCharsets.UTF_8));
            producer.send(record);
        });
        producer.flush();
    }

    /** Publishes any value under the account's key, and waits until the broker has it. */
    public void publishRaw(UUID accountId, String value) {
        producer.send(new ProducerRecord<>(topic, accountId.toString(), value));
        producer.flush();
    }

    public static String json(AccountActivityEvent event) {
        return JSON.writeValueAsString(event);
    }

    /** An applied change to {@code account} of {@code portfolio}, requested by {@code actor} in {@code job}. */
    public static AccountActivityEvent event(
            UUID portfolio,
            UUID account,
            UUID job,
            Actor actor,
            ActivityAction action,
            UserRef target,
            AccountRole previousRole,
            AccountRole newRole,
            Instant occurredAt) {
        UUID taskId = UUID.randomUUID();
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                taskId,
                occurredAt,
                account,
                portfolio,
                job,
                taskId,
                action,
                target,
                previousRole,
                newRole,
                InitiationLevel.PORTFOLIO,
                actor,
                null,
                null);
    }

    /** A change of {@code account}'s link to {@code portfolio}: no job, task or target user. */
    public static AccountActivityEvent linkChange(
            UUID portfolio, UUID account, Actor actor, ActivityAction action, Instant occurredAt) {
        return AccountActivityEvent.linkChange(UUID.randomUUID(), portfolio, account, action, occurredAt, actor);
    }

    /** A role change from Analyst to Manager of a fresh user, now. */
    public static AccountActivityEvent roleChanged(UUID portfolio, UUID account, Actor actor, Instant occurredAt) {
        return event(
                portfolio,
                account,
                UUID.randomUUID(),
                actor,
                ActivityAction.ROLE_CHANGED,
                newUser(),
                AccountRole.ANALYST,
                AccountRole.MANAGER,
                occurredAt);
    }

    /**
     * An invitation whose invitee's address holds U+0000, which PostgreSQL cannot store in text: the
     * database refuses the entry. {@code n} tells such events apart.
     */
    public static AccountActivityEvent refusedByTheDatabase(
            UUID portfolio, UUID account, Actor actor, int n, Instant occurredAt) {
        return event(
                portfolio,
                account,
                UUID.randomUUID(),
                actor,
                ActivityAction.USER_INVITED,
                new UserRef(UUID.randomUUID(), "zero\u0000byte-" + n + "@brand.example"),
                null,
                AccountRole.SUPPORT,
                occurredAt);
    }

    public static UserRef newUser() {
        UUID id = UUID.randomUUID();
        return new UserRef(id, "user-" + id + "@brand.example");
    }

    public static Actor newAdmin() {
        UUID id = UUID.randomUUID();
        return new Actor(id, "admin-" + id + "@agency.example");
    }

    /** Now, to the microsecond PostgreSQL keeps. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
