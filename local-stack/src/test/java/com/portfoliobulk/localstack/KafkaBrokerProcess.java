package com.portfoliobulk.localstack;

import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A Kafka broker (KRaft, broker and controller in one) in its own JVM process, Kafka's own
 * {@code kafka.Kafka} main class from the test classpath, so that a test can kill it ({@code kill -9})
 * and start it again. Its ports and log directory are fixed at creation and the storage is formatted
 * once, so a restart keeps every topic, record and committed offset. Its output goes to
 * {@code target/processes/<name>-<UUID>.log}.
 */
final class KafkaBrokerProcess implements AutoCloseable {

    static final Duration STARTUP = Duration.ofSeconds(90);

    private final String name;

    private final int port;

    private final Path directory;

    private final Path log;

    private final List<String> command;

    private Process process;

    /** The running broker's record ({@link ProcessRecords}), by its directory, deleted once the harness killed it. */
    private ProcessRecords.Record record;

    private KafkaBrokerProcess(String name, int port, Path directory, Path log, List<String> command) {
        this.name = name;
        this.port = port;
        this.directory = directory;
        this.log = log;
        this.command = command;
    }

    /**
     * Formats a new log directory under {@code target/processes/}, starts the broker on free ports and
     * waits until it answers. It is killed when the test JVM exits, if not before, or by the next test JVM
     * when this one was killed ({@link ProcessRecords}).
     *
     * @param name the broker's name (its directory and log file)
     * @param partitions the partitions of topics created on first use
     */
    static KafkaBrokerProcess start(String name, int partitions) {
        Path directory =
                Paths.get("target", "processes", name + "-" + UUID.randomUUID()).toAbsolutePath();
        Path data = directory.resolve("data");
        int port = FreePorts.take();
        int controllerPort = FreePorts.take();
        try {
            Files.createDirectories(data);
            Path config = directory.resolve("server.properties");
            try (Writer writer = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                properties(data, port, controllerPort, partitions).store(writer, "Kafka broker process " + name);
            }
            Path logback = directory.resolve("logback.xml");
            Files.writeString(logback, """
                    <configuration>
                      <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                        <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                      </appender>
                      <logger name="kafka.server.KafkaRaftServer" level="INFO"/>
                      <logger name="kafka.server.BrokerServer" level="INFO"/>
                      <root level="WARN"><appender-ref ref="out"/></root>
                    </configuration>
                    """);
            PersistentKafka.format(data);
            List<String> command = new ArrayList<>(List.of(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Dlogback.configurationFile=" + logback,
                    "-cp",
                    System.getProperty("java.class.path"),
                    "kafka.Kafka",
                    config.toString()));
            Path log = directory.resolveSibling(directory.getFileName() + ".log");
            KafkaBrokerProcess broker = new KafkaBrokerProcess(name, port, directory, log, command);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::kill9, name + "-kill"));
            broker.restart();
            try {
                broker.awaitReady(STARTUP);
            } catch (RuntimeException ex) {
                broker.close();
                throw ex;
            }
            return broker;
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not prepare the Kafka broker in " + directory, ex);
        }
    }

    /** {@code localhost:<port>}, the same across restarts (the address the broker advertises). */
    String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The broker's log (data) directory, formatted once, kept across restarts. */
    Path dataDirectory() {
        return directory.resolve("data");
    }

    /** The broker's output (every start of it, appended). */
    Path log() {
        return log;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Starts the broker process again on the same ports and log directory; does not wait for it. */
    synchronized KafkaBrokerProcess restart() {
        if (alive()) {
            throw new IllegalStateException(name + " is running already");
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not start " + name, ex);
        }
        if (record != null) {
            // Of its previous run, which exited by itself.
            record.delete();
        }
        record = ProcessRecords.get().process(process.toHandle(), directory.toString());
        return this;
    }

    /** {@code kill -9}: the broker dies at once, nothing flushed or closed. */
    synchronized KafkaBrokerProcess kill9() {
        if (process != null) {
            process.destroyForcibly();
            try {
                if (process.waitFor(30, TimeUnit.SECONDS) && record != null) {
                    record.delete();
                    record = null;
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        return this;
    }

    /** Waits until the broker answers a metadata request; fails at once if its process exits. */
    KafkaBrokerProcess awaitReady(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!alive()) {
                throw new IllegalStateException(name + " exited; see " + log);
            }
            return answers();
        });
        return this;
    }

    /** Whether the broker answers a metadata request within a few seconds. */
    boolean answers() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000))) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception ex) {
            if (ex instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /** Kills the broker if it runs. */
    @Override
    public void close() {
        kill9();
    }

    /** The local stack's broker settings ({@link PersistentKafka}), with this broker's partition count. */
    private static Properties properties(Path data, int port, int controllerPort, int partitions) {
        Properties properties = PersistentKafka.properties(data, port, controllerPort);
        properties.setProperty("num.partitions", String.valueOf(partitions));
        return properties;
    }
}
