package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one), running in this JVM with
 * its log directory on disk, so topics, records and consumer offsets survive restarts. The first
 * start formats the directory, as {@code kafka-storage.sh format} would. It keeps Kafka's flush
 * defaults: a record is acknowledged once the operating system holds it, so a crash of the process
 * loses none, and a crash of the machine may lose the last ones (README, "Quick start").
 */
final class PersistentKafka implements AutoCloseable {

    private static final int NODE_ID = 1;

    /** Partitions of a topic created on first use, as many as the tests' broker has. */
    private static final int PARTITIONS = 12;

    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    /** The most a partition keeps (README, "Quick start"). */
    private static final long RETENTION_BYTES_PER_PARTITION = 1024L * 1024 * 1024;

    private final KafkaRaftServer server;

    private final String bootstrapServers;

    private final boolean formatted;

    private PersistentKafka(KafkaRaftServer server, String bootstrapServers, boolean formatted) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.formatted = formatted;
    }

    /**
     * Starts the broker on the log directory, formatting it first when it is new, and waits until it
     * answers.
     *
     * @param logDirectory the broker's log (data) directory
     * @param port the client port, 0 for any free one
     */
    static PersistentKafka start(Path logDirectory, int port) {
        try {
            Files.createDirectories(logDirectory);
            int clientPort = port == 0 ? freePort() : port;
            String bootstrapServers = "localhost:" + clientPort;
            KafkaConfig config = KafkaConfig.fromProps(properties(logDirectory, clientPort, freePort()));
            boolean formatted = !Files.exists(logDirectory.resolve("meta.properties"));
            if (formatted) {
                format(logDirectory);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            PersistentKafka kafka = new PersistentKafka(server, bootstrapServers, formatted);
            try {
                kafka.awaitReady();
            } catch (RuntimeException ex) {
                kafka.close();
                throw ex;
            }
            return kafka;
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not start Kafka in " + logDirectory + ": " + ex.getMessage(), ex);
        }
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether this start formatted a new log directory: an empty broker with no topics or offsets. */
    boolean formatted() {
        return formatted;
    }

    /** A controlled shutdown: the log is flushed and closed cleanly, so the next start needs no recovery. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    /**
     * The settings of a single-node KRaft broker (broker and controller in one) on {@code localhost}, with
     * its data in {@code logDirectory}; also used by the tests that run a broker in a process of its own.
     */
    static Properties properties(Path logDirectory, int clientPort, int controllerPort) {
        Properties properties = new Properties();
        properties.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort),
                Map.entry(
                        "listeners",
                        "PLAINTEXT://localhost:" + clientPort + ",CONTROLLER://localhost:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://localhost:" + clientPort),
                Map.entry("controller.listener.names", CONTROLLER_LISTENER),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logDirectory.toAbsolutePath().toString()),
                Map.entry("num.partitions", String.valueOf(PARTITIONS)),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "10"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Records are kept whatever their age: the local stack may stay stopped for days (Ctrl-C
                // during a large job), and a time limit would then delete activity events that no consumer
                // has read yet, whose changes are applied but whose activity entries are not written. A
                // size limit per partition keeps the directory bounded instead, well above a job's records:
                // a task or activity record takes about 1 KB at most, so the largest job (200,000 tasks)
                // fills some 200 MB of a topic even when all of it lands in one partition. Beyond the limit
                // the oldest segments go, read or not. The task topic has a limit of its own, 7 days, set by
                // the gateway (bulk.gateway.relay.record-retention): its tasks are in PostgreSQL, and the
                // stuck-task sweep sends those still pending again.
                Map.entry("log.retention.ms", "-1"),
                Map.entry("log.retention.bytes", String.valueOf(RETENTION_BYTES_PER_PARTITION)),
                Map.entry("log.segment.bytes", String.valueOf(64 * 1024 * 1024))));
        return properties;
    }

    /** Formats {@code logDirectory} for the broker of {@link #properties} (once, before its first start). */
    static void format(Path logDirectory) {
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDirectory.toAbsolutePath().toString()))
                    .setMetadataLogDirectory(logDirectory.toAbsolutePath().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        } catch (Exception ex) {
            throw new IllegalStateException("Could not format the Kafka log directory " + logDirectory, ex);
        }
    }

    private void awaitReady() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                60_000))) {
            admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka", ex);
        } catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("Kafka did not become ready at " + bootstrapServers, ex);
        }
    }

    /** A port free on this machine now: the broker's listeners', or the gateway's with {@code --gateway-port 0}. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException("No free port", ex);
        }
    }
}
