package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.retention.RetentionProperties;
import com.portfoliobulk.servicesupport.scheduling.ScheduledTasksAutoConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The task topic's age limit ({@code bulk.gateway.relay.record-retention}): 7 days by default, at least
 * a day, and below {@code bulk.gateway.retention.finished-jobs} by more than a day (a segment), so that no
 * record outlives its job; otherwise the gateway does not start, naming both settings. A pass waits for
 * its batch's acknowledgements ({@code bulk.gateway.relay.send-timeout}) from 1 ms to {@link
 * Integer#MAX_VALUE} ms less the 30 s more its transaction may stand idle, PostgreSQL's {@code
 * idle_in_transaction_session_timeout}; otherwise the gateway does not start either. Nor does it with a
 * back-off after a failed pass ({@code bulk.gateway.relay.initial-backoff}) that is not positive.
 */
class TaskTopicRetentionSettingTests {

    private final ApplicationContextRunner gateway = new ApplicationContextRunner()
            .withUserConfiguration(Declared.class)
            .withBean(Outbox.class, () -> new Outbox(JdbcClient.create(new SimpleDriverDataSource())))
            .withBean(SimpleMeterRegistry.class);

    @Test
    void theTopicKeepsRecordsSevenDaysByDefaultOrAsSet() {
        gateway.run(context -> assertThat(context.getBean(NewTopic.class).configs())
                .containsEntry(
                        TopicConfig.RETENTION_MS_CONFIG,
                        String.valueOf(Duration.ofDays(7).toMillis()))
                .containsEntry(
                        TopicConfig.SEGMENT_MS_CONFIG,
                        String.valueOf(Duration.ofDays(1).toMillis()))
                .containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1"));
        gateway.withPropertyValues(
                        "bulk.gateway.relay.record-retention=28d", "bulk.gateway.retention.finished-jobs=30d")
                .run(context -> assertThat(context.getBean(NewTopic.class).configs())
                        .containsEntry(
                                TopicConfig.RETENTION_MS_CONFIG,
                                String.valueOf(Duration.ofDays(28).toMillis())));
    }

    @Test
    void recordsKeptUntilTheirJobIsDeletedAreRefusedNamingBothSettings() {
        gateway.withPropertyValues("bulk.gateway.relay.record-retention=29d")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.relay.record-retention is 29d; it must be below"
                                + " bulk.gateway.retention.finished-jobs, 30d, by more than a day"));
        gateway.withPropertyValues(
                        "bulk.gateway.relay.record-retention=60d", "bulk.gateway.retention.finished-jobs=61d")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void recordsKeptLessThanADayAreRefused() {
        gateway.withPropertyValues("bulk.gateway.relay.record-retention=12h")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.relay.record-retention is 12h; it must be at least 1 day"));
    }

    @Test
    void aPassWaitsFortySecondsForItsBatchByDefaultAndAsLongAsSetWithinTheIdleTimeoutsRange() {
        gateway.run(context ->
                assertThat(context.getBean(RelayProperties.class).sendTimeout()).isEqualTo(Duration.ofSeconds(40)));
        for (String timeout : new String[] {"1ms", "2147453647ms"}) {
            gateway.withPropertyValues("bulk.gateway.relay.send-timeout=" + timeout)
                    .run(context -> assertThat(
                                    context.getBean(RelayProperties.class).sendTimeout())
                            .isEqualTo(Duration.ofMillis(Long.parseLong(timeout.replace("ms", "")))));
        }
    }

    /**
     * Before, such a timeout started the gateway: past 24.8 days less 30 s, PostgreSQL refused the idle
     * timeout of every pass, and no task was published; under 1 ms, every pass gave up on its batch at once.
     */
    @Test
    void aSendTimeoutOutsideTheIdleTimeoutsRangeIsRefused() {
        Map<String, String> refused = Map.of(
                "0", "0s",
                "500us", "0.0005s",
                "-1s", "-1s",
                "2147453648ms", "596h30m53.648s",
                "30d", "720h");
        refused.forEach((timeout, shown) -> gateway.withPropertyValues("bulk.gateway.relay.send-timeout=" + timeout)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining(
                                "bulk.gateway.relay.send-timeout is " + shown + "; it must be from 1ms to 2147453647ms")
                        .hasMessageContaining("PostgreSQL's idle_in_transaction_session_timeout")
                        .hasMessageContaining("Set it above the producer's delivery.timeout.ms (30s)")));
    }

    /**
     * Before, an empty or malformed task topic ({@code BULK_TASKS_TOPIC=portfolio/bulk-tasks}) started the
     * gateway, and no task was ever published.
     */
    @Test
    void aTaskTopicNameKafkaRefusesIsRefusedNamingTheVariable() {
        for (String topic : new String[] {"", "portfolio/bulk-tasks", "bulk tasks"}) {
            gateway.withPropertyValues("bulk.gateway.relay.topic=" + topic)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageStartingWith("bulk.gateway.relay.topic (BULK_TASKS_TOPIC) is '" + topic
                                    + "', which Kafka refuses as a topic name: "));
        }
        gateway.withPropertyValues("bulk.gateway.relay.topic=tenant-1.bulk_tasks")
                .run(context ->
                        assertThat(context.getBean(NewTopic.class).name()).isEqualTo("tenant-1.bulk_tasks"));
    }

    /**
     * Before, 0 started the gateway, and while the broker or the database failed the relay made its
     * passes one after the other without a pause (0 doubled is 0).
     */
    @Test
    void aBackOffAfterAFailedPassThatIsNotPositiveIsRefusedNamingIt() {
        gateway.run(context -> assertThat(context.getBean(RelayProperties.class))
                .returns(Duration.ofMillis(200), RelayProperties::initialBackoff)
                .returns(Duration.ofSeconds(10), RelayProperties::maxBackoff));
        Map.of("0", "0s", "-1ms", "-1ms", "-1s", "-1s")
                .forEach((backoff, shown) -> gateway.withPropertyValues("bulk.gateway.relay.initial-backoff=" + backoff)
                        .run(context -> assertThat(context)
                                .hasFailed()
                                .getFailure()
                                .rootCause()
                                .hasMessageStartingWith("bulk.gateway.relay.initial-backoff is " + shown
                                        + "; it must be positive (200ms by default)")));
        gateway.withPropertyValues("bulk.gateway.relay.max-backoff=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("bulk.gateway.relay.max-backoff is 0s; it must be at least"
                                + " bulk.gateway.relay.initial-backoff, 200ms"));
    }

    /**
     * Before, an idle poll interval of 0 (or under 1 ms) started the gateway, and an idle relay asked
     * PostgreSQL for tasks again without a pause.
     */
    @Test
    void anIdlePollIntervalUnderOneMillisecondIsRefusedNamingIt() {
        gateway.run(context -> assertThat(context.getBean(RelayProperties.class).idlePollInterval())
                .isEqualTo(Duration.ofMillis(100)));
        gateway.withPropertyValues("bulk.gateway.relay.idle-poll-interval=1ms")
                .run(context -> assertThat(
                                context.getBean(RelayProperties.class).idlePollInterval())
                        .isEqualTo(Duration.ofMillis(1)));
        Map.of("0", "0s", "500us", "0.0005s", "-1s", "-1s")
                .forEach((interval, shown) -> gateway.withPropertyValues(
                                "bulk.gateway.relay.idle-poll-interval=" + interval)
                        .run(context -> assertThat(context)
                                .hasFailed()
                                .getFailure()
                                .rootCause()
                                .hasMessageStartingWith("bulk.gateway.relay.idle-poll-interval is " + shown
                                        + "; it must be at least 1ms (100ms by default)")));
    }

    /**
     * The stuck-task sweep as the gateway schedules it. Before, a batch size of 0 started the gateway and
     * the sweep's loop never ended, querying PostgreSQL without a pause; {@code after} of 0 sent every
     * pending task again at each sweep; an interval of 0 stopped the start with an {@code
     * IllegalArgumentException} that named nothing. Each now stops the start, naming its property.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "bulk.gateway.stuck-tasks.batch-size=0 | bulk.gateway.stuck-tasks.batch-size is 0; it must be at least 1",
                "bulk.gateway.stuck-tasks.batch-size=-5 | bulk.gateway.stuck-tasks.batch-size is -5; it must be at least 1",
                "bulk.gateway.stuck-tasks.after=0 | bulk.gateway.stuck-tasks.after is PT0S; it must be positive",
                "bulk.gateway.stuck-tasks.after=-1m | bulk.gateway.stuck-tasks.after is PT-1M; it must be positive",
                "bulk.gateway.stuck-tasks.interval=0 | bulk.gateway.stuck-tasks.interval is '0'; it must be a positive"
                        + " duration of at least 1ms",
                "bulk.gateway.stuck-tasks.interval=-1m | bulk.gateway.stuck-tasks.interval is '-1m'; it must be a"
                        + " positive duration of at least 1ms"
            })
    void aStuckTaskSweepSettingThatWouldSpinOrNeverStartIsRefusedNamingIt(String setting, String message) {
        ApplicationContextRunner sweeping = new ApplicationContextRunner()
                .withInitializer(context ->
                        context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance()))
                .withConfiguration(AutoConfigurations.of(
                        TaskExecutionAutoConfiguration.class,
                        TaskSchedulingAutoConfiguration.class,
                        ScheduledTasksAutoConfiguration.class))
                .withUserConfiguration(Sweeping.class)
                .withBean(JdbcClient.class, () -> JdbcClient.create(new SimpleDriverDataSource()))
                .withBean(SimpleMeterRegistry.class);

        sweeping.run(context -> assertThat(context).hasNotFailed().hasSingleBean(StuckTaskSweeper.class));
        sweeping.withPropertyValues(setting)
                .run(context ->
                        assertThat(context).hasFailed().getFailure().rootCause().hasMessageStartingWith(message));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    @Import(StuckTaskSweeper.class)
    static class Sweeping {}

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({RelayProperties.class, RetentionProperties.class})
    @Import(RelayConfiguration.class)
    static class Declared {}
}
