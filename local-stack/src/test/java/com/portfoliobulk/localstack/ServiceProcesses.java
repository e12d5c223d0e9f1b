package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The services as separate JVM processes started from the executable jars the reactor built
 * ({@code <module>/target/<module>-<project's version>-exec.jar}), any number of each, on one database,
 * one broker and one set of topics and consumer groups. Each process listens on a port from {@code FreePorts} (so a test
 * can call it and a restart keeps it) and writes its output to {@code target/processes/<name>.log}. It runs
 * its jar extracted, with a JVM AOT cache made at the first start of each jar ({@link AotCaches}).
 *
 * <p>Starting a process does not wait for it: start several, then {@link #awaitReady(Duration)}.
 * Start the workers and audit-consumers before the gateways: a gateway's internal calls go to the
 * first worker and audit-consumer started (unless its properties say otherwise). Closing kills every
 * process still running; those a killed test JVM left running are killed by the next one
 * ({@link ProcessRecords}).
 */
final class ServiceProcesses implements AutoCloseable {

    /** What a process runs. */
    enum Service {
        GATEWAY("api-gateway"),
        WORKER("bulk-worker"),
        AUDIT("audit-consumer");

        private final String module;

        Service(String module) {
            this.module = module;
        }

        String module() {
            return module;
        }
    }

    /**
     * The topics and consumer groups the processes share, unique to one test so tests can share a
     * broker.
     */
    record Topics(
            String tasks,
            String taskDeadLetter,
            String activity,
            String activityDeadLetter,
            String workerGroup,
            String auditGroup) {

        /** Names starting with {@code prefix} and ending with a random suffix. */
        static Topics unique(String prefix) {
            String suffix = UUID.randomUUID().toString();
            return new Topics(
                    prefix + ".tasks-" + suffix,
                    prefix + ".tasks-dlt-" + suffix,
                    prefix + ".activity-" + suffix,
                    prefix + ".activity-dlt-" + suffix,
                    prefix + "-worker-" + suffix,
                    prefix + "-audit-" + suffix);
        }
    }

    /** The system property with the project's version, which Maven's test run sets (local-stack/pom.xml). */
    static final String VERSION_PROPERTY = "fault-tests.project-version";

    /** Generous: a few JVMs starting at once on a busy 2-core machine take a minute or two. */
    static final Duration STARTUP = Duration.ofSeconds(240);

    private final DatabaseEndpoint database;

    private final ServiceRoles.Logins logins;

    private final String kafkaBootstrapServers;

    private final Topics topics;

    private final List<ServiceProcess> processes = new ArrayList<>();

    private ServiceProcesses(DatabaseEndpoint database, String kafkaBootstrapServers, Topics topics) {
        this.database = database;
        this.logins = ServiceRoles.apply(database);
        this.kafkaBootstrapServers = kafkaBootstrapServers;
        this.topics = topics;
    }

    /**
     * No process yet; the given database must be migrated already. It gets the services' roles now
     * ({@link ServiceRoles}), and each process logs in as its service's role. Whatever is still
     * running when the test JVM exits is killed then.
     *
     * @param database the database, as a superuser
     */
    static ServiceProcesses on(DatabaseEndpoint database, String kafkaBootstrapServers, Topics topics) {
        ServiceProcesses processes = new ServiceProcesses(database, kafkaBootstrapServers, topics);
        Runtime.getRuntime().addShutdownHook(new Thread(processes::close, "service-processes-kill"));
        return processes;
    }

    DatabaseEndpoint database() {
        return database;
    }

    String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    Topics topics() {
        return topics;
    }

    /**
     * Starts an api-gateway: its relay publishes to the task topic; callers' permissions come from the
     * token's portfolios claim ({@link TestTokens}), as in the other end-to-end tests.
     *
     * @param name the process's name (its log file, its Kafka client id)
     * @param properties more Spring properties, which win over the harness's
     */
    ServiceProcess startGateway(String name, Map<String, ?> properties) {
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("bulk.gateway.relay.topic", topics.tasks());
        own.put("bulk.gateway.permissions.source", "identity-provider");
        // The development HS256 secret of TestTokens.
        own.put("spring.profiles.active", "local");
        first(Service.WORKER).ifPresent(worker -> own.put("bulk.gateway.worker-base-url", worker.url()));
        first(Service.AUDIT).ifPresent(audit -> own.put("bulk.gateway.audit-base-url", audit.url()));
        own.put("spring.kafka.producer.client-id", name);
        // Health and metrics on the HTTP port, as the local stack serves them (ServiceProcess#url).
        own.put("management.server.port", "");
        own.putAll(properties);
        return start(Service.GATEWAY, name, own);
    }

    /**
     * Starts a bulk-worker consuming the task topic in the shared worker group.
     *
     * @param name the process's name (its log file, its Kafka client id)
     * @param properties more Spring properties, which win over the harness's
     */
    ServiceProcess startWorker(String name, Map<String, ?> properties) {
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("bulk.worker.topics.tasks", topics.tasks());
        own.put("bulk.worker.topics.dead-letter", topics.taskDeadLetter());
        own.put("bulk.worker.topics.activity", topics.activity());
        own.put("spring.kafka.consumer.group-id", topics.workerGroup());
        own.put("spring.kafka.consumer.client-id", name);
        own.put("spring.kafka.producer.client-id", name);
        // No SMTP server here: invitation e-mails are retried in the background and never block a task.
        own.put("bulk.worker.mail.poll-interval", "1h");
        own.putAll(properties);
        return start(Service.WORKER, name, own);
    }

    /**
     * Starts an audit-consumer reading the activity topic in the shared audit group.
     *
     * @param name the process's name (its log file, its Kafka client id)
     * @param properties more Spring properties, which win over the harness's
     */
    ServiceProcess startAudit(String name, Map<String, ?> properties) {
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("bulk.audit.activity-topic", topics.activity());
        own.put("bulk.audit.dead-letter-topic", topics.activityDeadLetter());
        own.put("bulk.audit.group-id", topics.auditGroup());
        own.put("spring.kafka.consumer.client-id", name);
        own.put("spring.kafka.producer.client-id", name);
        own.putAll(properties);
        return start(Service.AUDIT, name, own);
    }

    /** Every process started, in order, running or not. */
    List<ServiceProcess> all() {
        return List.copyOf(processes);
    }

    /**
     * The running processes of one service (frozen ones too), in the order they were started: not those
     * a test stopped or killed, so that the tests after it find the ones they started with.
     */
    List<ServiceProcess> of(Service service) {
        return processes.stream()
                .filter(process -> process.service() == service && process.alive())
                .toList();
    }

    /** Waits until every running process answers ready; fails at once if one of them exits. */
    void awaitReady(Duration atMost) {
        processes.stream().filter(ServiceProcess::alive).forEach(process -> process.awaitReady(atMost));
    }

    /** Kills ({@code kill -9}) every process still running. */
    @Override
    public synchronized void close() {
        processes.forEach(ServiceProcess::kill9);
    }

    private Optional<ServiceProcess> first(Service service) {
        return of(service).stream().findFirst();
    }

    private ServiceProcess start(Service service, String name, Map<String, Object> own) {
        int port = FreePorts.take();
        DatabaseEndpoint login = switch (service) {
            case GATEWAY -> logins.gateway();
            case WORKER -> logins.worker();
            case AUDIT -> logins.audit();
        };
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("spring.datasource.url", login.jdbcUrl());
        arguments.put("spring.datasource.username", login.username());
        arguments.put("spring.datasource.password", login.password());
        arguments.put("spring.datasource.hikari.maximum-pool-size", "4");
        arguments.put("spring.kafka.bootstrap-servers", kafkaBootstrapServers);
        arguments.put("bulk.internal-auth.token-secret", TestTokens.INTERNAL_SECRET);
        arguments.put("server.port", port);
        arguments.put("server.address", "127.0.0.1");
        arguments.put("spring.main.banner-mode", "off");
        arguments.putAll(own);
        List<String> springArguments = new ArrayList<>();
        arguments.forEach((property, value) -> springArguments.add("--" + property + "=" + value));
        List<String> command = new ArrayList<>(AotCaches.command(
                executableJar(service),
                List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                springArguments));
        // After the java executable: the text by which this test JVM's record of the process knows it.
        command.add(1, ProcessRecords.RUN_OPTION);
        Path log = Paths.get("target", "processes", name + ".log").toAbsolutePath();
        ServiceProcess process = new ServiceProcess(service, name, port, command, log);
        synchronized (this) {
            processes.add(process);
        }
        process.start();
        return process;
    }

    private static Path executableJar(Service service) {
        return executableJar(
                Paths.get("..", service.module(), "target"), service.module(), System.getProperty(VERSION_PROPERTY));
    }

    /**
     * The module's executable jar in {@code target}: of the given version, or the only one there is when
     * the version is not known (a run outside Maven). A directory not cleaned since the version changed
     * holds the jars of both versions, and the old one must not run in place of the one under test.
     *
     * @param version the project's version, or {@code null}
     * @throws IllegalStateException when there is no such jar, or several and no version to choose by
     */
    static Path executableJar(Path target, String module, String version) {
        List<String> jars;
        try (Stream<Path> files = Files.exists(target) ? Files.list(target) : Stream.empty()) {
            String pattern = Pattern.quote(module) + "-.*-exec\\.jar";
            jars = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.matches(pattern))
                    .sorted()
                    .toList();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        String build = "build the reactor (./mvnw verify), which packages " + module + " before local-stack's tests";
        if (version != null) {
            String jar = module + "-" + version + "-exec.jar";
            if (!jars.contains(jar)) {
                throw new IllegalStateException("No " + jar + " in " + target.toAbsolutePath()
                        + (jars.isEmpty() ? "" : " (only " + String.join(", ", jars) + ")") + ": " + build);
            }
            return target.resolve(jar);
        }
        if (jars.size() > 1) {
            throw new IllegalStateException("Several " + module + " executable jars in " + target.toAbsolutePath()
                    + " (" + String.join(", ", jars) + ") and no " + VERSION_PROPERTY
                    + " system property to choose by: run the tests with Maven, or delete the jars of other versions");
        }
        if (jars.isEmpty()) {
            throw new IllegalStateException(
                    "No " + module + " executable jar in " + target.toAbsolutePath() + ": " + build);
        }
        return target.resolve(jars.getFirst());
    }
}
