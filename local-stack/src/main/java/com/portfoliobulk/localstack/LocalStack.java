package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * The whole product on this machine with no Docker: PostgreSQL 17 and a KRaft Kafka broker with their
 * data in a directory that survives restarts ({@code .local-stack/}), the three services, and the demo
 * portfolio. Prints the gateway URL and a bearer token for the demo's administrator. {@code
 * ./run-local.sh} runs {@link #main}; Ctrl-C stops the services, then Kafka, then PostgreSQL.
 */
public final class LocalStack implements AutoCloseable {

    /** How long the printed administrator token is valid; a new one is minted at every start. */
    public static final Duration TOKEN_VALIDITY = Duration.ofDays(30);

    private final DataDirectory directory;

    private final PersistentPostgres postgres;

    private final PersistentKafka kafka;

    private final LocalMailbox mailbox;

    private final RunningServices services;

    private final boolean demoSeeded;

    private final Optional<String> adminToken;

    private final Started started;

    private LocalStack(
            Started started,
            DataDirectory directory,
            PersistentPostgres postgres,
            PersistentKafka kafka,
            LocalMailbox mailbox,
            RunningServices services,
            boolean demoSeeded,
            Optional<String> adminToken) {
        this.started = started;
        this.directory = directory;
        this.postgres = postgres;
        this.kafka = kafka;
        this.mailbox = mailbox;
        this.services = services;
        this.demoSeeded = demoSeeded;
        this.adminToken = adminToken;
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals(ServiceJvms.SERVICE_ARGUMENT)) {
            ServiceJvms.serve(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        LocalStackOptions options;
        try {
            options = LocalStackOptions.parse(args);
        } catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            System.err.print(LocalStackOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(LocalStackOptions.USAGE);
            return;
        }
        // Registered before anything starts: Ctrl-C during the start (tens of seconds) stops what has
        // started so far, PostgreSQL included, which runs in a session of its own and outlives the JVM.
        Started started = new Started();
        AtomicReference<LocalLogging> logging = new AtomicReference<>();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            if (started.running()) {
                                System.out.println();
                                System.out.println("Stopping the services, then Kafka, then PostgreSQL ...");
                                started.close();
                                System.out.println("Stopped. Data kept in "
                                        + options.dataDirectory()
                                                .toAbsolutePath()
                                                .normalize() + ".");
                            }
                            Optional.ofNullable(logging.get()).ifPresent(LocalLogging::stop);
                        },
                        "local-stack-stop"));
        options.stopWith().ifPresent(LocalStack::stopWhenExited);
        try {
            DataDirectory directory = started.start(() -> DataDirectory.open(options.dataDirectory(), options.reset()));
            Path logFile = directory.logs().resolve("local-stack.log");
            logging.set(LocalLogging.initialize(logFile, options.verbose()));
            start(started, directory, options, LocalLogging.properties(logFile, options.verbose()), System.out);
        } catch (RuntimeException ex) {
            System.err.println();
            System.err.println("The local stack did not start: " + rootMessage(ex));
            System.err.println("See " + options.dataDirectory().resolve("logs/local-stack.log") + " for details.");
            System.exit(1);
        }
    }

    /**
     * With {@code --stop-with PID}: once that process has exited, however it ended, ends this JVM, whose
     * shutdown hook then stops what has started (the services, Kafka, PostgreSQL) and unlocks the data
     * directory, as Ctrl-C would. The program that started the local stack (the benchmark) passes its
     * own process id: when it is killed with {@code kill -9} it can stop nothing itself, and the stack
     * would otherwise run on, orphaned, holding the data directory and its ports until stopped by hand.
     */
    private static void stopWhenExited(long pid) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            System.err.println("Process " + pid + " (--stop-with) is not running: nothing started");
            System.exit(1);
            return;
        }
        Thread.ofPlatform().daemon().name("local-stack-stop-with").start(() -> {
            process.get().onExit().join();
            String message = "Process " + pid + " (--stop-with) has exited: stopping the local stack";
            System.err.println(message);
            LoggerFactory.getLogger(LocalStack.class).warn(message);
            System.exit(0);
        });
    }

    /**
     * Starts everything on the data directory of the options, as {@link #main} does but with the log
     * configuration of the caller, and prints progress and the summary to {@code out}.
     */
    public static LocalStack start(LocalStackOptions options, PrintStream out) {
        Started started = new Started();
        DataDirectory directory = started.start(() -> DataDirectory.open(options.dataDirectory(), options.reset()));
        return start(started, directory, options, Map.of(), out);
    }

    private static LocalStack start(
            Started started,
            DataDirectory directory,
            LocalStackOptions options,
            Map<String, Object> serviceProperties,
            PrintStream out) {
        try {
            if (options.reset()) {
                out.println("Reset: wiped " + directory.root());
            }
            PersistentPostgres postgres = started.start(() -> step(
                    out,
                    "Starting PostgreSQL 17",
                    () -> PersistentPostgres.start(
                            directory.postgres(),
                            options.postgresPort(),
                            directory.logs().resolve("postgres.log"),
                            // A start that takes minutes (a recovery after a crash) says so, a line a minute.
                            stillStarting -> {
                                out.println();
                                out.print("  PostgreSQL is " + stillStarting + " ... ");
                                out.flush();
                            })));
            PersistentKafka kafka = started.start(() -> step(
                    out,
                    "Starting Kafka (KRaft)",
                    () -> PersistentKafka.start(directory.kafka(), options.kafkaPort())));
            if (kafka.formatted() && !postgres.created()) {
                // As the gateway's role, which owns the tables it writes (never as the superuser): the
                // roles first, which the services' start applies again.
                int resent = new PendingTaskRecovery(
                                ServiceRoles.apply(postgres.endpoint()).gateway())
                        .republishPendingTasks();
                if (resent > 0) {
                    out.println("The broker is new: " + resent + " pending tasks will be sent again");
                }
            }
            LocalMailbox mailbox = started.start(() -> step(
                    out,
                    "Starting the SMTP server and mailbox",
                    () -> LocalMailbox.start(options.smtpPort(), options.mailboxPort())));
            // The worker's invitation e-mails link to the gateway, which starts after it: "any free port"
            // is chosen here, so that both know it.
            int gatewayPort = options.gatewayPort() == 0 ? PersistentKafka.freePort() : options.gatewayPort();
            ServiceStack.Settings settings = settings(
                            options, gatewayPort, postgres.endpoint(), kafka, serviceProperties)
                    .withWorkerProperties(mailProperties(gatewayPort, mailbox));
            RunningServices services = started.start(() -> options.jvmPerService()
                    ? step(
                            out,
                            options.relayJvm()
                                    ? "Starting audit-consumer, bulk-worker, task-relay and api-gateway, each in its"
                                            + " own JVM"
                                    : "Starting audit-consumer, bulk-worker and api-gateway, each in its own JVM",
                            () -> ServiceJvms.start(
                                    settings,
                                    options.relayJvm() ? OptionalInt.of(options.relayPort()) : OptionalInt.empty(),
                                    directory.logs(),
                                    options.verbose()))
                    : step(
                            out,
                            "Starting audit-consumer, bulk-worker and api-gateway",
                            () -> ServiceStack.start(settings)));
            boolean demoSeeded = seed(postgres.endpoint(), options.largePortfolios(), out);
            Optional<String> token = mintAdminToken(
                    services, ServiceRoles.logins(postgres.endpoint()).worker());
            token.ifPresent(directory::writeAdminToken);
            mintNewcomerToken(services).ifPresent(directory::writeNewcomerToken);
            LocalStack stack =
                    new LocalStack(started, directory, postgres, kafka, mailbox, services, demoSeeded, token);
            stack.printSummary(out, options);
            return stack;
        } catch (RuntimeException ex) {
            started.close();
            throw ex;
        }
    }

    /**
     * Seeds the demo portfolio, the load-test portfolios and the portfolio users and roles, as the roles
     * that own their tables: the directory as the worker's, the portfolio administration as the
     * gateway's. Never as the superuser, whose rights a trigger those roles put on their tables would
     * run with at every start.
     *
     * @param database the database, as its superuser, after {@link ServiceRoles#apply}
     * @return whether the demo portfolio was seeded now (not there yet)
     */
    static boolean seed(DatabaseEndpoint database, List<LoadTestPortfolio> largePortfolios, PrintStream out) {
        ServiceRoles.Logins logins = ServiceRoles.logins(database);
        DirectorySeed seed = new DirectorySeed(logins.worker());
        boolean demoSeeded =
                step(out, "Seeding the demo portfolio", () -> seed.seed(DemoPortfolio.generate(Instant.now())));
        for (LoadTestPortfolio large : largePortfolios) {
            step(out, "Seeding load-test portfolio " + large.spec(), () -> seed.seed(large));
        }
        step(out, "Seeding portfolio users and roles", () -> new PortfolioAdminSeed(logins.gateway()).seed());
        return demoSeeded;
    }

    private static ServiceStack.Settings settings(
            LocalStackOptions options,
            int gatewayPort,
            DatabaseEndpoint database,
            PersistentKafka kafka,
            Map<String, Object> serviceProperties) {
        return ServiceStack.Settings.onPorts(
                        database, kafka.bootstrapServers(), gatewayPort, options.workerPort(), options.auditPort())
                .withPropertiesForAll(serviceProperties);
    }

    /** The worker sends invitation e-mails to the in-process SMTP server, linking to the gateway's port. */
    private static Map<String, Object> mailProperties(int gatewayPort, LocalMailbox mailbox) {
        return Map.of(
                "spring.mail.host",
                "127.0.0.1",
                "spring.mail.port",
                mailbox.smtpPort(),
                "bulk.worker.mail.accept-url",
                "http://localhost:" + gatewayPort + "/invitations/{token}");
    }

    /** A token of the demo's newcomer: no portfolio, only an e-mail address to accept invitations with. */
    private static Optional<String> mintNewcomerToken(RunningServices services) {
        return services.tokenSecret()
                .map(secret -> AdminToken.mint(
                        secret,
                        UUID.nameUUIDFromBytes(DemoPortfolio.NEWCOMER_EMAIL.getBytes(StandardCharsets.UTF_8)),
                        DemoPortfolio.NEWCOMER_EMAIL,
                        Map.of(),
                        Instant.now().plus(TOKEN_VALIDITY)));
    }

    /** The demo administrator's token, Owner of every portfolio; {@code directory} is the worker's login. */
    private static Optional<String> mintAdminToken(RunningServices services, DatabaseEndpoint directory) {
        Optional<String> secret = services.tokenSecret();
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<String>> portfolios = new LinkedHashMap<>();
        portfolios.put(DemoPortfolio.PORTFOLIO_ID.toString(), List.of("OWNER"));
        for (UUID portfolio : portfolioIds(directory)) {
            portfolios.put(portfolio.toString(), List.of("OWNER"));
        }
        return Optional.of(AdminToken.mint(
                secret.get(),
                DemoPortfolio.ADMIN_ID,
                DemoPortfolio.ADMIN_EMAIL,
                portfolios,
                Instant.now().plus(TOKEN_VALIDITY)));
    }

    private static List<UUID> portfolioIds(DatabaseEndpoint database) {
        return new Transactions(database).run(connection -> {
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rows = connection
                    .prepareStatement("SELECT id FROM directory.portfolios ORDER BY created_at, id")
                    .executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
            return ids;
        });
    }

    private static <T> T step(PrintStream out, String description, Supplier<T> action) {
        out.print(description + " ... ");
        out.flush();
        long start = System.nanoTime();
        T result = action.get();
        String outcome = result instanceof Boolean done ? (done ? "done" : "already there") : "ready";
        out.printf("%s (%.1f s)%n", outcome, (System.nanoTime() - start) / 1e9);
        return result;
    }

    private void printSummary(PrintStream out, LocalStackOptions options) {
        String gateway = gatewayUrl();
        String portfolio = DemoPortfolio.PORTFOLIO_ID.toString();
        String jdbcUrl = postgres.endpoint().jdbcUrl().replaceFirst("\\?.*$", "");
        out.println();
        out.println("Portfolio Bulk Access is running. Ctrl-C stops it; the data stays in " + directory.root());
        out.println();
        out.printf("  %-16s %s%n", "Gateway", gateway);
        out.printf(
                "  %-16s %s%n", "Web console", gateway + "/console (demo sign-in: " + DemoPortfolio.ADMIN_EMAIL + ")");
        out.printf("  %-16s %s%n", "Swagger UI", gateway + "/swagger-ui.html");
        out.printf("  %-16s %s%n", "Worker", services.workerUrl() + "/actuator/health");
        out.printf("  %-16s %s%n", "Audit consumer", services.auditUrl() + "/actuator/health");
        services.relayUrl()
                .ifPresent(relay -> out.printf(
                        "  %-16s %s%n", "Task relay", relay + "/actuator/health (the gateway that relays the tasks)"));
        out.printf(
                "  %-16s %s%n",
                "Metrics",
                "/actuator/prometheus on each of the " + (services.relayUrl().isPresent() ? "four" : "three"));
        out.printf(
                "  %-16s %s%n",
                "PostgreSQL",
                jdbcUrl + " (user postgres, password in " + displayPath(postgres.passwordFile())
                        + "; the services log in as " + ServiceRoles.GATEWAY + ", "
                        + ServiceRoles.WORKER + " and " + ServiceRoles.AUDIT + ")");
        out.printf("  %-16s %s%n", "Kafka", kafka.bootstrapServers());
        out.printf(
                "  %-16s %s%n",
                "Mailbox",
                mailbox.url() + "/messages (e-mails the worker sent to SMTP port " + mailbox.smtpPort() + ")");
        out.printf(
                "  %-16s %s%n",
                "Logs",
                options.jvmPerService()
                        ? directory.logs() + " (local-stack.log, and one per service)"
                        : directory.logs().resolve("local-stack.log"));
        out.println();
        out.printf(
                "Demo portfolio \"%s\" %s: %d accounts, %d users%n",
                DemoPortfolio.PORTFOLIO_NAME, portfolio, DemoPortfolio.ACCOUNT_COUNT, DemoPortfolio.USER_COUNT);
        String row = "  %-24s %s  %s%n";
        out.printf(row, DemoPortfolio.ADMIN_EMAIL, DemoPortfolio.ADMIN_ID, "Portfolio Owner: the token below");
        out.printf(
                row,
                DemoPortfolio.LEAVER_EMAIL,
                DemoPortfolio.LEAVER_ID,
                "in " + DemoPortfolio.LEAVER_ACCOUNT_COUNT + " accounts, Owner of 2: offboard them");
        out.printf(
                row,
                DemoPortfolio.IDP_MANAGED_USER_EMAIL,
                DemoPortfolio.IDP_MANAGED_USER_ID,
                "IdP-managed: changes are skipped");
        out.printf(row, "(account)", DemoPortfolio.WALKTHROUGH_ACCOUNT_ID, "the leaver is a Manager there");
        for (LoadTestPortfolio large : options.largePortfolios()) {
            out.printf("Load-test portfolio \"%s\" %s%n", large.name(), large.portfolioId());
            out.printf(row, large.leaverEmail(), large.leaverId(), "a Manager on every account");
        }
        out.println();
        adminToken.ifPresentOrElse(
                token -> {
                    out.println("Bearer token of " + DemoPortfolio.ADMIN_EMAIL + " (valid " + TOKEN_VALIDITY.toDays()
                            + " days; also in " + directory.adminToken() + "):");
                    out.println(token);
                    out.println();
                    out.println("Try:");
                    out.println("  TOKEN=$(cat " + displayPath(directory.adminToken()) + ")");
                    out.println("  curl -H \"Authorization: Bearer $TOKEN\" " + gateway + "/api/v1/portfolios/"
                            + portfolio + "/accounts");
                },
                () -> out.println("No bearer token: the gateway has no " + RunningServices.TOKEN_SECRET_PROPERTY
                        + " (HS256) configured."));
        out.flush();
    }

    private static String displayPath(Path path) {
        Path workingDirectory = Path.of("").toAbsolutePath();
        return path.startsWith(workingDirectory)
                ? workingDirectory.relativize(path).toString()
                : path.toString();
    }

    /** The gateway's base URL, e.g. {@code http://localhost:8080}. */
    public String gatewayUrl() {
        return services.gatewayUrl();
    }

    /** The in-process SMTP server and its listing. */
    public LocalMailbox mailbox() {
        return mailbox;
    }

    /** The application database. */
    public DatabaseEndpoint database() {
        return postgres.endpoint();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public Path dataDirectory() {
        return directory.root();
    }

    /** Whether this start seeded the demo portfolio (false when it was already there). */
    public boolean demoSeeded() {
        return demoSeeded;
    }

    /** Whether this start began with an empty broker (a new data directory, or a lost Kafka log). */
    public boolean kafkaFormatted() {
        return kafka.formatted();
    }

    /** The demo administrator's bearer token, when the gateway accepts HS256 tokens. */
    public Optional<String> adminToken() {
        return adminToken;
    }

    /** Stops the services (gateway first), then Kafka, then PostgreSQL, and unlocks the data directory. */
    @Override
    public void close() {
        started.close();
    }

    /**
     * What a start has started so far, the latest first, which is the order to stop them in: the
     * services, the mailbox, Kafka, PostgreSQL, the data directory's lock. Each one starts under the
     * lock, so that a stop during the start (the shutdown hook, on Ctrl-C) waits for the one under way
     * to be up, stops it with the others, and none starts after it.
     */
    private static final class Started implements AutoCloseable {

        private final Deque<AutoCloseable> resources = new ArrayDeque<>();

        private boolean stopped;

        /** Starts one more, to be stopped with the others; refused once the stack is stopping. */
        synchronized <T extends AutoCloseable> T start(Supplier<T> starting) {
            if (stopped) {
                throw new IllegalStateException("The local stack is stopping");
            }
            T resource = starting.get();
            resources.addFirst(resource);
            return resource;
        }

        /** Whether anything is running that {@link #close()} would stop. */
        synchronized boolean running() {
            return !resources.isEmpty();
        }

        /** Stops everything started, once, and lets nothing start after it. */
        @Override
        public synchronized void close() {
            stopped = true;
            List<AutoCloseable> running = List.copyOf(resources);
            resources.clear();
            closeAll(running);
        }
    }

    private static void closeAll(List<AutoCloseable> resources) {
        RuntimeException failure = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception ex) {
                if (failure == null) {
                    failure = new IllegalStateException("The local stack did not stop cleanly", ex);
                } else {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static String rootMessage(Throwable ex) {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return ex == cause ? String.valueOf(ex.getMessage()) : ex.getMessage() + " (" + cause.getMessage() + ")";
    }
}
