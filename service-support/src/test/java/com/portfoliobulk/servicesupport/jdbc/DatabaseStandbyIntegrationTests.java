package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TcpProxy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * A Kafka listener of a service on the tests' broker, whose transactions reach the tests' database
 * through a network that can be cut ({@link TcpProxy}), with its {@link DatabaseStandby} as the worker
 * and the audit-consumer have theirs.
 */
class DatabaseStandbyIntegrationTests {

    private static final String LISTENER = "database-standby-tests";

    /** Three of the standby's probes of the database (every 2 s), and then some. */
    private static final Duration PROBES = Duration.ofSeconds(7);

    /**
     * A service receives SIGTERM while its listener stands aside: its context stops (the listener
     * containers skipped, stopped already) and the later phases of its shutdown wait (the web server's
     * drain, the scheduler). The database answering meanwhile does not start the listener again: a
     * service that is stopping does not join its group again, taking partitions from the others and
     * beginning a batch, only to leave it again at once.
     */
    @Test
    void aListenerStandingAsideWhenItsServiceStopsStaysStoppedWhenTheDatabaseAnswersAgain() {
        DatabaseEndpoint database = SharedInfrastructure.database();
        int databasePort = Integer.parseInt(database.jdbcUrl().replaceFirst(".*://[^:/]+:(\\d+)/.*", "$1"));
        try (TcpProxy network = new TcpProxy(FreePorts.take(), () -> databasePort);
                LogLines logged = LogLines.of(DatabaseStandby.class.getName())) {
            DatabaseEndpoint cutOff = new DatabaseEndpoint(
                    database.jdbcUrl().replaceFirst(":\\d+/", ":" + network.port() + "/"),
                    database.username(),
                    database.password());
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class))
                    .withUserConfiguration(Listener.class)
                    .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                    .withBean(JdbcClient.class, () -> JdbcClient.create(dataSource(cutOff)))
                    .withPropertyValues(
                            "spring.kafka.bootstrap-servers=" + SharedInfrastructure.kafkaBootstrapServers())
                    .run(context -> {
                        DatabaseStandby standby = context.getBean(DatabaseStandby.class);
                        JdbcClient jdbc = context.getBean(JdbcClient.class);
                        MeterRegistry meters = context.getBean(MeterRegistry.class);
                        MessageListenerContainer container = context.getBean(KafkaListenerEndpointRegistry.class)
                                .getListenerContainer(LISTENER);
                        assertThat(container.isRunning())
                                .as("the listener at the start")
                                .isTrue();

                        // The listener's transaction fails: the database does not answer (nothing listens).
                        assertThatThrownBy(() -> standby.observe(
                                        () -> jdbc.sql("SELECT 1")
                                                .query(Integer.class)
                                                .single(),
                                        failure -> DatabaseFailure.of(failure) == DatabaseFailure.OUTAGE))
                                .as("a transaction while the database does not answer")
                                .isInstanceOf(RuntimeException.class);
                        await().atMost(Duration.ofMinutes(1))
                                .alias("the listener standing aside")
                                .until(() -> !container.isRunning()
                                        && meters.get("bulk.database.standby")
                                                        .gauge()
                                                        .value()
                                                == 1);

                        context.stop();
                        network.start();

                        await().during(PROBES)
                                .atMost(PROBES.multipliedBy(3))
                                .alias("the listener still stopped while the database answers again")
                                .until(() -> !container.isRunning());
                        assertThat(logged.lines())
                                .as("what the standby logged")
                                .anySatisfy(line -> assertThat(line.getFormattedMessage())
                                        .isEqualTo("Stopping while the listener " + LISTENER
                                                + " stands aside for the database: it stays stopped"))
                                .noneSatisfy(line -> assertThat(line.getFormattedMessage())
                                        .startsWith("The database answers again"));
                    });
        }
    }

    private static DriverManagerDataSource dataSource(DatabaseEndpoint database) {
        DriverManagerDataSource dataSource =
                new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password());
        Properties properties = new Properties();
        properties.setProperty("connectTimeout", "5");
        dataSource.setConnectionProperties(properties);
        return dataSource;
    }

    /** The listener (it receives nothing here) and its standby, as the services declare theirs. */
    @Configuration(proxyBeanMethods = false)
    static class Listener {

        @KafkaListener(id = LISTENER, topics = LISTENER)
        void receive(String record) {}

        @Bean
        DatabaseStandby listenerStandby(
                KafkaListenerEndpointRegistry listeners, JdbcClient jdbc, MeterRegistry meters) {
            return new DatabaseStandby(listeners, LISTENER, jdbc, Duration.ZERO, meters);
        }
    }
}
