package com.portfoliobulk.worker.activity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.RefusedTopics;
import com.portfoliobulk.worker.TransactionWaits;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.MissingTopicProducer;
import io.micrometer.observation.ObservationRegistry;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.common.errors.ApiException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.core.ProducerFactory;

/**
 * The activity topic missing from the broker, which refuses to create it (as for lack of rights), the
 * producer fails each send after {@code max.block.ms}: a batch's publication gives up at its first
 * event. It used to hand the producer every event of the batch, each failing after as long, so a batch
 * of 2,000 tasks held its listener thread 2,000 times {@code max.block.ms} (10 s), far past
 * {@code max.poll.interval.ms}, and the worker was evicted from its group.
 */
class ActivityPublisherMissingTopicIntegrationTests extends WorkerIntegrationSupport {

    private static final int EVENTS = 20;

    @Autowired
    ProducerFactory<Object, Object> producers;

    @Autowired
    ObjectProvider<ObservationRegistry> observations;

    @Autowired
    CustomRoleNames roleNames;

    @Autowired
    TransactionWaits waits;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void aBatchsPublicationGivesUpAtTheFirstEventTheProducerFailedAtOnce() {
        String topic = RefusedTopics.create(bootstrapServers);
        try (MissingTopicProducer missing = new MissingTopicProducer(producers)) {
            ActivityPublisher publisher = new ActivityPublisher(
                    missing.template(),
                    MissingTopicProducer.withTopics(
                            properties, topic, properties.topics().deadLetter()),
                    observations,
                    roleNames,
                    waits);

            CompletableFuture<Void> published = publisher.publish(events(), event -> null);

            assertThatThrownBy(() -> published.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasRootCauseInstanceOf(ApiException.class);
            assertThat(missing.sendsTo(topic))
                    .as("events handed to the producer, of %d", EVENTS)
                    .isEqualTo(1);
        }
    }

    private static List<AccountActivityEvent> events() {
        UUID portfolio = UUID.randomUUID();
        UUID job = UUID.randomUUID();
        Actor administrator = new Actor(UUID.randomUUID(), "admin@agency.test");
        return IntStream.range(0, EVENTS)
                .mapToObj(i -> {
                    UUID task = UUID.randomUUID();
                    return new AccountActivityEvent(
                            AccountActivityEvent.VERSION,
                            task,
                            Instant.now(),
                            UUID.randomUUID(),
                            portfolio,
                            job,
                            task,
                            ActivityAction.ACCESS_REMOVED,
                            new UserRef(UUID.randomUUID(), null),
                            AccountRole.ANALYST,
                            null,
                            InitiationLevel.PORTFOLIO,
                            administrator,
                            null,
                            null);
                })
                .toList();
    }
}
