package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.testsupport.RefusedTopics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.ApiException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.BatchListenerFailedException;

/**
 * The dead-letter topic missing from the broker, which refuses to create it (as for lack of rights), the
 * producer fails each dead letter after {@code max.block.ms}. A batch whose events the database refuses
 * ends its pass at the first of them, to be delivered again from there, once the producer gave up on
 * its dead letter: each refused event of the batch used to be written, refused and handed to the
 * producer in turn, each dead letter failing after as long, so a batch of 1,000 such events held its
 * listener thread far past {@code max.poll.interval.ms}.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class MissingDeadLetterTopicIntegrationTests {

    private static final int REFUSED = 20;

    @Autowired
    ActivityRecorder recorder;

    @Autowired
    ObjectProvider<OpenTelemetry> openTelemetry;

    @Autowired
    ProducerFactory<Object, Object> producers;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void aPassEndsAtTheFirstRefusedEventWhoseDeadLetterTheProducerFailedAtOnce() throws Exception {
        String topic = RefusedTopics.create(bootstrapServers);
        // The service's producer, waiting 1 s (not 10) for the topic's metadata.
        KafkaTemplate<Object, Object> template =
                new KafkaTemplate<>(producers, RefusedTopics.producerSettings(Duration.ofSeconds(1)));
        try {
            ActivityEventListener listener = new ActivityEventListener(
                    recorder, openTelemetry, new ActivityDeadLetters(template, topic), new SimpleMeterRegistry());

            assertThatThrownBy(() -> listener.onEvents(refusedByTheDatabase()))
                    .isInstanceOfSatisfying(
                            BatchListenerFailedException.class,
                            failed -> assertThat(failed.getIndex())
                                    .as("delivered again from")
                                    .isZero())
                    .hasRootCauseInstanceOf(ApiException.class);
            assertThat(RefusedTopics.sendsTo(topic))
                    .as("dead letters handed to the producer, of %d refused events", REFUSED)
                    .isEqualTo(1);
        } finally {
            template.destroy();
        }
    }

    /** Events the database refuses: PostgreSQL cannot store U+0000 in text. */
    private static List<ConsumerRecord<String, AccountActivityEvent>> refusedByTheDatabase() {
        UUID portfolio = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        Actor admin = ActivityEvents.newAdmin();
        Instant start = ActivityEvents.now();
        long offset = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
        List<ConsumerRecord<String, AccountActivityEvent>> records = new ArrayList<>();
        for (int i = 0; i < REFUSED; i++) {
            AccountActivityEvent event =
                    ActivityEvents.refusedByTheDatabase(portfolio, account, admin, i, start.plusMillis(i));
            records.add(new ConsumerRecord<>(Topics.ACCOUNT_ACTIVITY, 0, offset + i, account.toString(), event));
        }
        return records;
    }
}
