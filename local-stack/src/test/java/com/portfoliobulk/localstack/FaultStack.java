package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * A PostgreSQL server and a Kafka broker process that the fault tests own, so that they can stop and
 * start them, with one api-gateway, two bulk-workers and two audit-consumer processes on them; started
 * once per test JVM (the processes take a minute or more to start on a busy machine) and shared by the
 * fault tests. Each test leaves PostgreSQL and the broker running and the processes ready, except a
 * process it killed on purpose; the others work with the processes still alive. A test JVM killed with
 * {@code kill -9} leaves them running: the next one stops them first ({@link ProcessRecords}).
 */
final class FaultStack {

    /**
     * The worker's and the audit-consumer's {@code idle_in_transaction_session_timeout} (their default
     * session options): how long a frozen process keeps its transaction.
     */
    static final Duration IDLE_IN_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

    /** Consumers (listener threads) per worker process. */
    static final int WORKER_CONCURRENCY = 2;

    /** Tasks per worker poll and consumers: small, so that a job of a few thousand tasks lasts seconds. */
    private static final Map<String, Object> SMALL_BATCHES = Map.of(
            "spring.kafka.consumer.max-poll-records",
            "50",
            "spring.kafka.listener.concurrency",
            Integer.toString(WORKER_CONCURRENCY));

    /** The bulk-worker processes, in one consumer group. */
    static final List<String> WORKERS = List.of("fault-worker-a", "fault-worker-b");

    /** The audit-consumer processes, in one consumer group. */
    static final List<String> AUDIT_CONSUMERS = List.of("fault-audit-a", "fault-audit-b");

    /** The Spring property that names a process's sessions in {@code pg_stat_activity}. */
    private static final String SESSION_NAME = "spring.datasource.hikari.data-source-properties.ApplicationName";

    private static FaultStack stack;

    private final int postgresPort;

    private final Path postgresData;

    private PersistentPostgres postgres;

    /** PostgreSQL's record ({@link ProcessRecords}), by its data directory, deleted once the stack stopped it. */
    private final ProcessRecords.Record postgresRecord;

    private final KafkaBrokerProcess broker;

    private final ServiceProcesses processes;

    private final PipelineInvariants invariants;

    private final ServiceProcess gateway;

    /** The processes the stack started with, which every test finds running. */
    private final List<ServiceProcess> own;

    /** The broker's admin client, for the tests that look at the consumer groups ({@link ConsumerGroups}). */
    private Admin admin;

    private FaultStack(
            int postgresPort,
            Path postgresData,
            PersistentPostgres postgres,
            ProcessRecords.Record postgresRecord,
            KafkaBrokerProcess broker,
            ServiceProcesses processes,
            PipelineInvariants invariants,
            ServiceProcess gateway) {
        this.postgresPort = postgresPort;
        this.postgresData = postgresData;
        this.postgres = postgres;
        this.postgresRecord = postgresRecord;
        this.broker = broker;
        this.processes = processes;
        this.invariants = invariants;
        this.gateway = gateway;
        this.own = processes.all();
    }

    static synchronized FaultStack get() {
        if (stack == null) {
            stack = start();
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "fault-stack-stop"));
        }
        stack.restoreItsShape();
        return stack;
    }

    private static FaultStack start() {
        int port = FreePorts.take();
        Path directory = Paths.get("target", "processes", "fault-postgres-" + UUID.randomUUID())
                .toAbsolutePath();
        Path data = directory.resolve("data");
        // Recorded first: a test JVM killed while it starts leaves it running too.
        ProcessRecords.Record postgresRecord = ProcessRecords.get().postgres(data);
        PersistentPostgres postgres = startPostgres(data, port);
        KafkaBrokerProcess broker = null;
        ServiceProcesses processes = null;
        try {
            DatabaseEndpoint database = postgres.endpoint();
            SharedInfrastructure.migrate(new com.portfoliobulk.testsupport.DatabaseEndpoint(
                    database.jdbcUrl(), database.username(), database.password()));
            broker = KafkaBrokerProcess.start("fault-kafka", SharedInfrastructure.PARTITIONS);
            processes =
                    ServiceProcesses.on(database, broker.bootstrapServers(), ServiceProcesses.Topics.unique("fault"));
            // Each process names its sessions after itself, for the tests that look for them (DatabaseSession).
            for (String worker : WORKERS) {
                Map<String, Object> properties = new HashMap<>(SMALL_BATCHES);
                properties.put(SESSION_NAME, worker);
                processes.startWorker(worker, properties);
            }
            for (String audit : AUDIT_CONSUMERS) {
                processes.startAudit(audit, Map.of(SESSION_NAME, audit));
            }
            // It delivers no webhook: WebhookFailoverSystemTests starts the gateways that do. It keeps a
            // caller's permissions for 5 minutes, so that a request made during a database outage gets past
            // them to its own statements (PostgresDownSystemTests), as an active client's does within 5 s.
            ServiceProcess gateway = processes.startGateway(
                    "fault-gateway",
                    Map.of(
                            "bulk.gateway.webhooks.dispatcher-enabled",
                            "false",
                            "bulk.gateway.permissions.cache-ttl",
                            "5m"));
            processes.awaitReady(ServiceProcesses.STARTUP);
            return new FaultStack(
                    port,
                    data,
                    postgres,
                    postgresRecord,
                    broker,
                    processes,
                    new PipelineInvariants(
                            database,
                            broker.bootstrapServers(),
                            processes.topics().activity()),
                    gateway);
        } catch (RuntimeException ex) {
            if (processes != null) {
                processes.close();
            }
            if (broker != null) {
                broker.close();
            }
            postgres.close();
            postgresRecord.delete();
            throw ex;
        }
    }

    private static PersistentPostgres startPostgres(Path data, int port) {
        return PersistentPostgres.start(data, port, data.getParent().resolve("postgres.log"));
    }

    /** PostgreSQL's port on this host. */
    int postgresPort() {
        return postgresPort;
    }

    KafkaBrokerProcess broker() {
        return broker;
    }

    ServiceProcesses processes() {
        return processes;
    }

    PipelineInvariants invariants() {
        return invariants;
    }

    ServiceProcess gateway() {
        return gateway;
    }

    ServiceProcesses.Topics topics() {
        return processes.topics();
    }

    /** The process's database sessions now ({@link DatabaseSession}). */
    List<DatabaseSession> sessions(ServiceProcess process) throws SQLException {
        return DatabaseSession.of(invariants.dataSource(), process);
    }

    /**
     * Freezes the process while one of its sessions waits behind the session with this backend process
     * id, and tells whether it did: the wait seen a moment before may have ended before the signal took
     * hold (a deadlock broken by PostgreSQL, a statement that found its row free), and then the process
     * is thawed again and the answer is {@code false}, for the caller to look for the next wait. A
     * process frozen while it still waits can no longer end its transaction itself: once the holder lets
     * go, its session stands idle in the transaction until PostgreSQL ends it.
     */
    boolean freezeWhileWaitingBehind(ServiceProcess process, int backendPid) throws SQLException {
        if (!DatabaseSession.waitsBehind(invariants.dataSource(), process, backendPid)) {
            return false;
        }
        process.freeze();
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(5))
                .alias(process.name() + " is stopped")
                .until(process::frozen);
        if (DatabaseSession.waitsBehind(invariants.dataSource(), process, backendPid)) {
            return true;
        }
        process.thaw();
        return false;
    }

    /** An admin client of the broker, made on first use and closed with the stack. */
    synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        }
        return admin;
    }

    /** Stops PostgreSQL (a fast shutdown: every session is ended at once). */
    synchronized void stopPostgres() {
        postgres.close();
        postgres = null;
    }

    /**
     * Starts PostgreSQL again on the same port and data directory. The tests' own connections to the
     * stopped server are dropped: the pool would hand one out unchecked if it was used less than half a
     * second before the stop.
     */
    synchronized void startPostgres() {
        postgres = startPostgres(postgresData, postgresPort);
        invariants.reconnect();
    }

    /**
     * Starts one more bulk-worker process in the group, with the stack's small batches, connecting to
     * PostgreSQL through {@code databasePort} of this host (a proxy in front of it) instead of its port.
     *
     * @param more more Spring properties, which win over the stack's
     */
    ServiceProcess startWorkerThrough(String name, int databasePort, Map<String, ?> more) {
        Map<String, Object> properties = new HashMap<>(SMALL_BATCHES);
        properties.putAll(connectingThrough(name, databasePort));
        properties.putAll(more);
        return processes.startWorker(name, properties);
    }

    /**
     * Starts one more audit-consumer process in the group, connecting to PostgreSQL through
     * {@code databasePort} of this host (a proxy in front of it) instead of its port.
     *
     * @param more more Spring properties, which win over the stack's
     */
    ServiceProcess startAuditThrough(String name, int databasePort, Map<String, ?> more) {
        Map<String, Object> properties = new HashMap<>(connectingThrough(name, databasePort));
        properties.putAll(more);
        return processes.startAudit(name, properties);
    }

    /** The properties of a process named {@code name} that connects to PostgreSQL through {@code databasePort}. */
    private Map<String, Object> connectingThrough(String name, int databasePort) {
        String url = ServiceRoles.withoutCredentials(processes.database().jdbcUrl())
                .replaceFirst(":" + postgresPort + "/", ":" + databasePort + "/");
        return Map.of(SESSION_NAME, name, "spring.datasource.url", url);
    }

    /** The database, as its superuser. */
    DatabaseEndpoint database() {
        return processes.database();
    }

    /**
     * Backs the database up as it is now, a cold copy: PostgreSQL stops (a fast shutdown), its data
     * directory is copied, and it starts again on the same port; the processes ride through the
     * outage ({@link PostgresDownSystemTests}).
     *
     * @return the backup's directory
     */
    synchronized Path backUpPostgres() {
        Path backup = postgresData.resolveSibling("backup-" + UUID.randomUUID());
        stopPostgres();
        try {
            copyDirectory(postgresData, backup);
        } finally {
            startPostgres();
        }
        return backup;
    }

    /** Restores a {@linkplain #backUpPostgres() backup}: its copy replaces the data directory while PostgreSQL is stopped. */
    synchronized void restorePostgres(Path backup) {
        stopPostgres();
        try {
            Path replaced = postgresData.resolveSibling("replaced-" + UUID.randomUUID());
            Files.move(postgresData, replaced);
            copyDirectory(backup, postgresData);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            startPostgres();
        }
    }

    /** Copies a directory tree with its files' permissions (PostgreSQL's data directory must be private). */
    private static void copyDirectory(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Files.copy(path, to.resolve(from.relativize(path)), StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not copy " + from + " to " + to, ex);
        }
    }

    /**
     * Each test finds the stack as it started, whatever the tests before it did or left behind when they
     * failed: PostgreSQL and the broker up, the stack's own processes running (a worker killed by
     * {@link WorkerFailoverSystemTests} is started again), none frozen.
     */
    private synchronized void restoreItsShape() {
        if (postgres == null) {
            startPostgres();
        }
        if (!broker.alive()) {
            broker.restart().awaitReady(KafkaBrokerProcess.STARTUP);
        }
        own.stream().filter(process -> !process.alive()).forEach(ServiceProcess::restart);
        processes.all().stream()
                .filter(ServiceProcess::alive)
                .filter(ServiceProcess::frozen)
                .forEach(ServiceProcess::thaw);
        processes.awaitReady(ServiceProcesses.STARTUP);
    }

    /**
     * Seeds a portfolio of {@code accounts} accounts and {@code users} analysts on each, and submits
     * through the gateway a job making every analyst a manager on every account.
     */
    RoleJob submitRoleJob(int accounts, int users) {
        TestPortfolio portfolio = TestPortfolio.seed(invariants.dataSource(), accounts);
        List<UUID> analysts = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            analysts.add(portfolio
                    .addUser("analyst" + i, AccountRole.ANALYST, portfolio.accounts())
                    .userId());
        }
        GatewayClient client = ownerClient(portfolio);
        UUID job = client.submit(Map.of(
                "type", "UPDATE_ROLES", "userIds", analysts, "accountIds", portfolio.accounts(), "role", "MANAGER"));
        return new RoleJob(job, portfolio, analysts, client);
    }

    /**
     * {@link #submitRoleJob}, then waits until a tenth of the job's tasks have ended: the fault tests
     * strike in the middle of a running job.
     */
    RoleJob submitRoleJobAndAwaitATenth(int accounts, int users, Duration atMost) {
        RoleJob job = submitRoleJob(accounts, users);
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> invariants.finished(job.id()) >= job.tasks() / 10);
        return job;
    }

    /** A client of the gateway for a new administrator who owns the portfolio. */
    GatewayClient ownerClient(TestPortfolio portfolio) {
        UUID admin = UUID.randomUUID();
        return new GatewayClient(
                gateway.url(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
    }

    /** A submitted job making {@code users} managers on every account of the portfolio. */
    record RoleJob(UUID id, TestPortfolio portfolio, List<UUID> users, GatewayClient client) {

        int tasks() {
            return portfolio.accounts().size() * users.size();
        }

        /** Every invariant, for a job whose every task must have succeeded. */
        void assertAppliedExactlyOnce(FaultStack stack, Duration atMost) {
            assertAppliedOnceSinceARestore(stack, atMost, 0, 0);
        }

        /**
         * Every invariant, for a job whose every task must have succeeded, of which a database restore
         * made between {@code least} and {@code most} applied changes be forgotten and applied again.
         */
        void assertAppliedOnceSinceARestore(FaultStack stack, Duration atMost, long least, long most) {
            stack.invariants().assertCompletedCleanly(id, tasks(), stack.topics(), atMost, least, most);
            stack.invariants()
                    .assertMemberships(
                            portfolio.accounts(), users, Map.of(AccountRole.MANAGER.code() + "/ACTIVE", (long)
                                    tasks()));
            assertThat(client.job(id).get("status").asString()).isEqualTo("COMPLETED");
        }
    }

    private synchronized void close() {
        if (admin != null) {
            admin.close();
        }
        processes.close();
        invariants.close();
        broker.close();
        if (postgres != null) {
            postgres.close();
        }
        postgresRecord.delete();
    }
}
