package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code ./run-local.sh --jvm-per-service}, as a process of its own on free ports: the three
 * services run in JVMs of their own, children of the local stack's, with their secrets kept off
 * their command lines, the README's walkthrough works, with the tokens the stack minted from a
 * {@code BULK_JWT_SECRET} that holds spaces,
 * through them (offboarding, the activity log, invitations e-mailed and accepted), each logged in to
 * PostgreSQL as its own role, and when the local
 * stack's JVM is killed with {@code kill -9} they stop too, leaving no service holding its port. With
 * {@code --relay-jvm}, a gateway JVM of its own publishes a job's tasks and the api-gateway's none; and
 * Ctrl-C, which a terminal sends to every process of the stack at once, stops the service JVMs in
 * turn, the api-gateway first. Started by another program with {@code --stop-with}, as the benchmark
 * starts it, the whole stack stops when that program is killed with {@code kill -9}.
 */
class LocalStackJvmPerServiceSystemTests {

    private static final Pattern SUMMARY_DATABASE = Pattern.compile("^  PostgreSQL +(jdbc:\\S+)", Pattern.MULTILINE);

    private static final Pattern SUMMARY_URL =
            Pattern.compile("^  (Gateway|Mailbox|Task relay) +(http://\\S+)", Pattern.MULTILINE);

    private static final String PUBLISHED = "bulk_relay_tasks_published_total";

    /** SIGINT (2) among a process's signals in /proc/PID/status. */
    private static final long SIGINT_MASK = 1L << (2 - 1);

    /** What a service JVM logs when the local stack tells it to stop. */
    private static final String TOLD_TO_STOP = "Stopping: the local stack closed this JVM's standard input";

    /** The time at the start of a service's log line. */
    private static final Pattern LOG_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(Z|[+-]\\d{2}:\\d{2})");

    /** The gateway's token secret: the local stack learns it from the gateway's JVM. */
    private static final String SECRET_WITH_SPACES = "a local token secret with  spaces, 32 bytes or more ";

    @Test
    void runsEachServiceInItsOwnJvmThroughTheWalkthroughAndStopsThemWhenKilled(
            @TempDir Path dataDirectory, @TempDir Path walkthroughDirectory) throws Exception {
        Process stack = startStack(Map.of("BULK_JWT_SECRET", SECRET_WITH_SPACES), dataDirectory);
        try {
            String summary = awaitSummary(stack);
            assertThat(summary)
                    .contains("Starting audit-consumer, bulk-worker and api-gateway, each in its own JVM ... ready");
            Map<String, ProcessHandle> services = serviceJvms(stack.toHandle());
            assertThat(services).containsOnlyKeys("api-gateway", "bulk-worker", "audit-consumer");
            for (ProcessHandle jvm : services.values()) {
                assertThat(String.join(" ", commandLine(jvm)))
                        .as("no secret on a command line that anyone on the machine can list")
                        .doesNotContain("token-secret", "datasource.password");
            }
            for (String service : services.keySet()) {
                assertThat(dataDirectory.resolve("logs").resolve(service + ".log"))
                        .as("each JVM logs to a file of its own")
                        .content()
                        .contains("Started ");
            }

            Map<String, String> urls = urls(summary);
            assertThat(urls).as(summary).containsOnlyKeys("Gateway", "Mailbox");
            ReadmeWalkthrough.Result walkthrough = ReadmeWalkthrough.run(
                    ReadmeWalkthrough.blocks(ProjectFiles.read("README.md")),
                    urls.get("Gateway"),
                    urls.get("Mailbox").replaceFirst("/messages$", ""),
                    dataDirectory,
                    walkthroughDirectory);
            assertThat(walkthrough.exitCode())
                    .as("README walkthrough:\n%s", walkthrough.output())
                    .isZero();
            assertThat(walkthrough.output())
                    .contains("{\"status\":\"COMPLETED\",\"counts\":{\"total\":150,\"pending\":0,"
                            + "\"succeeded\":148,\"skipped\":2,\"failed\":0,\"cancelled\":0},\"percentDone\":100}")
                    .contains("Access of leaver@demo.example (Manager) removed by admin@demo.example"
                            + " from the portfolio level")
                    .contains("admin@demo.example invited you to 2 account(s) of Demo Agency")
                    .contains("{\"email\":\"newcomer@demo.example\",\"states\":[\"ACTIVE\",\"ACTIVE\"]}");

            assertThat(sessionUsers(summary, dataDirectory))
                    .as("every service JVM logs in to PostgreSQL as its own role, none as the superuser")
                    .containsExactlyInAnyOrder(ServiceRoles.GATEWAY, ServiceRoles.WORKER, ServiceRoles.AUDIT);

            killStackAndAwaitServices(stack, services, dataDirectory.resolve("logs/api-gateway.log"));
            stopOrphanedPostgres(dataDirectory);
            assertThat(dataDirectory.resolve("postgres/postmaster.pid"))
                    .as("PostgreSQL has stopped (removing its postmaster.pid) before its directory is deleted")
                    .doesNotExist();
        } finally {
            stack.destroyForcibly();
            ProcessHandle.of(stack.pid()).ifPresent(ProcessHandle::destroyForcibly);
            stopOrphanedPostgres(dataDirectory);
        }
    }

    @Test
    void relaysTheTasksFromAGatewayJvmOfItsOwnWithRelayJvm(@TempDir Path dataDirectory) throws Exception {
        Process stack =
                startStack(Map.of(), dataDirectory, "--relay-jvm", "--relay-port", String.valueOf(FreePorts.take()));
        try {
            String summary = awaitSummary(stack);
            assertThat(summary)
                    .contains("Starting audit-consumer, bulk-worker, task-relay and api-gateway, each in its own JVM"
                            + " ... ready")
                    .contains("/actuator/prometheus on each of the four");
            Map<String, ProcessHandle> services = serviceJvms(stack.toHandle());
            assertThat(services).containsOnlyKeys("api-gateway", "task-relay", "bulk-worker", "audit-consumer");
            assertThat(String.join(" ", commandLine(services.get("task-relay"))))
                    .doesNotContain("token-secret", "datasource.password");
            assertThat(dataDirectory.resolve("logs/task-relay.log"))
                    .as("the relay logs to a file of its own")
                    .content()
                    .contains("Started ");
            Map<String, String> urls = urls(summary);
            assertThat(urls).as(summary).containsOnlyKeys("Gateway", "Mailbox", "Task relay");
            String gateway = urls.get("Gateway");
            String relay = urls.get("Task relay").replaceFirst("/actuator/health$", "");
            assertThat(relay).as("the relay answers on the loopback interface").startsWith("http://127.0.0.1:");

            GatewayClient client = new GatewayClient(
                    gateway,
                    Files.readString(dataDirectory.resolve("admin-token")).trim(),
                    DemoPortfolio.PORTFOLIO_ID);
            UUID job = client.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(DemoPortfolio.LEAVER_ID)));
            JsonNode done = client.awaitTerminal(job);
            assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
            long tasks = done.get("counts").get("total").asLong();
            assertThat(tasks).isEqualTo(DemoPortfolio.LEAVER_ACCOUNT_COUNT);

            // The relay counts a batch once the broker acknowledged it, which may be after the tasks ended.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(counter(relay, PUBLISHED))
                            .as("tasks the task-relay JVM published")
                            .isEqualTo(tasks));
            assertThat(counter(gateway, PUBLISHED))
                    .as("tasks the api-gateway JVM, its relay off, published")
                    .isZero();

            pressCtrlCAndAwaitServicesInTurn(
                    stack,
                    services,
                    dataDirectory.resolve("logs"),
                    "api-gateway",
                    "task-relay",
                    "bulk-worker",
                    "audit-consumer");
        } finally {
            stack.destroyForcibly();
            ProcessHandle.of(stack.pid()).ifPresent(ProcessHandle::destroyForcibly);
            stopOrphanedPostgres(dataDirectory);
        }
    }

    /**
     * The local stack started by another program, as the benchmark starts it: with {@code --stop-with}
     * and that program's process id. A {@code kill -9} of that program, which can stop nothing itself,
     * stops the whole stack all the same, as Ctrl-C would: its JVM, the service JVMs and PostgreSQL exit,
     * nothing answers on their ports any more, and the data directory is unlocked for the next run.
     */
    @Test
    void stopsEverythingWhenTheProgramThatStartedItIsKilled(@TempDir Path dataDirectory) throws Exception {
        ProcessBuilder command = LocalStackProcess.command(dataDirectory, "--jvm-per-service");
        List<String> stackCommand = new ArrayList<>(command.command());
        // A shell stands for the program: it starts the stack with its own process id, and waits.
        command.command().clear();
        command.command().addAll(List.of("bash", "-c", "\"$@\" --stop-with $$ & wait", "starter"));
        command.command().addAll(stackCommand);
        Process starter = command.start();
        ProcessHandle stack = null;
        try {
            // The stack's output, through the pipe it shares with the shell.
            String summary = awaitSummary(starter);
            stack = starter.toHandle().children().findFirst().orElseThrow();
            Map<String, ProcessHandle> services = serviceJvms(stack);
            assertThat(services).containsOnlyKeys("api-gateway", "bulk-worker", "audit-consumer");
            ProcessHandle postmaster = ProcessHandle.of(
                            Long.parseLong(Files.readAllLines(dataDirectory.resolve("postgres/postmaster.pid"))
                                    .getFirst()
                                    .trim()))
                    .orElseThrow();
            Matcher database = SUMMARY_DATABASE.matcher(summary);
            assertThat(database.find()).as(summary).isTrue();
            List<URI> endpoints = List.of(
                    URI.create(urls(summary).get("Gateway")),
                    URI.create(urls(summary).get("Mailbox")),
                    URI.create(database.group(1).substring("jdbc:".length())));
            assertThat(endpoints)
                    .allSatisfy(endpoint -> assertThat(answers(endpoint))
                            .as("%s answers while the stack runs", endpoint)
                            .isTrue());

            starter.destroyForcibly();
            assertThat(starter.waitFor(30, TimeUnit.SECONDS)).isTrue();

            ProcessHandle orphan = stack;
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertThat(orphan.isAlive())
                                .as("the local stack's JVM after its starter's kill -9")
                                .isFalse();
                        assertThat(services.values().stream().filter(ProcessHandle::isAlive))
                                .as("service JVMs")
                                .isEmpty();
                        assertThat(postmaster.isAlive()).as("PostgreSQL").isFalse();
                    });
            assertThat(endpoints)
                    .allSatisfy(endpoint -> assertThat(answers(endpoint))
                            .as("%s answers after the stack stopped", endpoint)
                            .isFalse());
            assertThat(dataDirectory.resolve("postgres/postmaster.pid"))
                    .as("PostgreSQL was shut down, not left to a crash recovery")
                    .doesNotExist();
            try (FileChannel channel =
                            FileChannel.open(dataDirectory.resolve("local-stack.lock"), StandardOpenOption.WRITE);
                    FileLock lock = channel.tryLock()) {
                assertThat(lock)
                        .as("the data directory is free for the next run")
                        .isNotNull();
            }
            assertThat(dataDirectory.resolve("logs/local-stack.log"))
                    .content()
                    .contains("Process " + starter.pid() + " (--stop-with) has exited: stopping the local stack");
        } finally {
            starter.destroyForcibly();
            Optional.ofNullable(stack).ifPresent(ProcessHandle::destroyForcibly);
            stopOrphanedPostgres(dataDirectory);
        }
    }

    /** Whether something accepts a TCP connection on the endpoint's port, on this machine. */
    private static boolean answers(URI endpoint) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", endpoint.getPort()), 2_000);
            return true;
        } catch (IOException ex) {
            return false;
        }
    }

    /**
     * Kills the local stack's JVM ({@code kill -9}) and waits until every service JVM has stopped, the
     * one writing {@code log} gracefully.
     */
    private static void killStackAndAwaitServices(Process stack, Map<String, ProcessHandle> services, Path log)
            throws InterruptedException {
        stack.destroyForcibly();
        assertThat(stack.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(services.values().stream().filter(ProcessHandle::isAlive))
                        .as("service JVMs still running after the local stack's kill -9")
                        .isEmpty());
        assertThat(log)
                .as("the JVM writing %s stopped gracefully", log.getFileName())
                .content()
                .contains("Graceful shutdown complete");
    }

    /**
     * Ctrl-C as a terminal sends it: SIGINT to the local stack's whole process group, its service JVMs
     * included. They ignore it, and stop gracefully when the local stack tells them, one after the
     * other in the given order: each one's log ends before the next one's is told to stop.
     */
    private static void pressCtrlCAndAwaitServicesInTurn(
            Process stack, Map<String, ProcessHandle> services, Path logs, String... order) throws Exception {
        for (Map.Entry<String, ProcessHandle> jvm : services.entrySet()) {
            assertThat(ignoredSignals(jvm.getValue()) & SIGINT_MASK)
                    .as("%s ignores SIGINT", jvm.getKey())
                    .isNotZero();
        }
        assertThat(processGroup(stack.toHandle()))
                .as("the local stack leads a process group of its own")
                .isEqualTo(stack.pid());
        Process kill = new ProcessBuilder("kill", "-s", "INT", "--", "-" + stack.pid())
                .redirectErrorStream(true)
                .start();
        assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
        assertThat(stack.waitFor(3, TimeUnit.MINUTES))
                .as("the local stack stops on Ctrl-C")
                .isTrue();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(services.values().stream().filter(ProcessHandle::isAlive))
                        .as("service JVMs still running after the local stack stopped")
                        .isEmpty());
        Instant previousEnded = Instant.MIN;
        String previous = "nothing";
        for (String service : order) {
            List<String> log = Files.readAllLines(logs.resolve(service + ".log"));
            assertThat(log)
                    .as("%s stopped gracefully", service)
                    .anyMatch(line -> line.contains("Graceful shutdown complete"));
            Instant told = timeOf(log.stream()
                    .filter(line -> line.contains(TOLD_TO_STOP))
                    .reduce((first, second) -> second)
                    .orElseThrow(() -> new AssertionError(service + " was not told to stop by the local stack")));
            assertThat(told)
                    .as("%s told to stop after %s ended", service, previous)
                    .isAfterOrEqualTo(previousEnded);
            previousEnded = timeOf(log.reversed().stream()
                    .filter(line -> LOG_TIME.matcher(line).lookingAt())
                    .findFirst()
                    .orElseThrow());
            previous = service;
        }
    }

    /** The signals a process ignores, from /proc: a bit per signal, SIGINT's {@link #SIGINT_MASK}. */
    private static long ignoredSignals(ProcessHandle process) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status")).stream()
                .filter(line -> line.startsWith("SigIgn:"))
                .map(line -> Long.parseUnsignedLong(
                        line.substring("SigIgn:".length()).trim(), 16))
                .findFirst()
                .orElseThrow();
    }

    /** The process group, from /proc: the fifth field of its stat, after the command in parentheses. */
    private static long processGroup(ProcessHandle process) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    }

    private static Instant timeOf(String logLine) {
        Matcher time = LOG_TIME.matcher(logLine);
        assertThat(time.lookingAt()).as(logLine).isTrue();
        return OffsetDateTime.parse(time.group()).toInstant();
    }

    /** A counter's value summed over its tags, from the Prometheus scrape of the JVM at this URL. */
    private static long counter(String baseUrl, String name) throws IOException, InterruptedException {
        List<Double> samples = MetricScrape.samples(baseUrl, name);
        assertThat(samples).as("%s in the scrape of %s", name, baseUrl).isNotEmpty();
        return MetricScrape.sum(samples);
    }

    /**
     * The users of the sessions in the local stack's database other than this one (the summary names
     * it; the superuser's password is in its data directory).
     */
    private static List<String> sessionUsers(String summary, Path dataDirectory) throws SQLException, IOException {
        Matcher postgres = SUMMARY_DATABASE.matcher(summary);
        assertThat(postgres.find())
                .as("the summary names the database:\n%s", summary)
                .isTrue();
        String password = Files.readString(dataDirectory.resolve("postgres/superuser-password"))
                .trim();
        try (Connection connection = DriverManager.getConnection(postgres.group(1), "postgres", password);
                ResultSet rows = connection
                        .createStatement()
                        .executeQuery("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
                                + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
            List<String> users = new ArrayList<>();
            while (rows.next()) {
                users.add(rows.getString(1));
            }
            return users;
        }
    }

    /**
     * The local stack as run-local.sh starts its jar, with {@code --jvm-per-service} and the given
     * options, and the given environment variables besides this JVM's; as a terminal's job, in a process
     * group of its own, where SIGINT ends a process (this JVM may have been started with it ignored).
     */
    private static Process startStack(Map<String, String> environment, Path dataDirectory, String... options)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("--jvm-per-service"));
        all.addAll(List.of(options));
        ProcessBuilder command = LocalStackProcess.command(dataDirectory, all.toArray(String[]::new));
        command.command().addAll(0, List.of("setsid", "env", "--default-signal=INT"));
        command.environment().putAll(environment);
        return command.start();
    }

    /** What the local stack prints up to its token, once it runs; its later output is read and dropped. */
    private static String awaitSummary(Process stack) throws Exception {
        CompletableFuture<String> summary = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            StringBuilder printed = new StringBuilder();
            try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (!summary.isDone()) {
                        printed.append(line).append('\n');
                        if (line.startsWith("Try:")) {
                            summary.complete(printed.toString());
                        }
                    }
                }
            } catch (IOException ex) {
                // The stack is gone.
            }
            summary.completeExceptionally(new AssertionError("The local stack exited:\n" + printed));
        });
        return summary.get(ServiceProcesses.STARTUP.toSeconds(), TimeUnit.SECONDS);
    }

    private static Map<String, ProcessHandle> serviceJvms(ProcessHandle stack) {
        return stack.children()
                .filter(child -> commandLine(child).contains(ServiceJvms.SERVICE_ARGUMENT))
                .collect(Collectors.toMap(LocalStackJvmPerServiceSystemTests::serviceName, child -> child));
    }

    private static String serviceName(ProcessHandle jvm) {
        List<String> arguments = commandLine(jvm);
        return arguments.get(arguments.indexOf(ServiceJvms.SERVICE_ARGUMENT) + 1);
    }

    /**
     * From /proc: {@code ProcessHandle.Info} gives no arguments for a command line as long as this
     * one, with the test class path in it.
     */
    private static List<String> commandLine(ProcessHandle process) {
        try {
            return List.of(Files.readString(Path.of("/proc", String.valueOf(process.pid()), "cmdline"))
                    .split("\0"));
        } catch (IOException ex) {
            return List.of();
        }
    }

    private static Map<String, String> urls(String summary) {
        Matcher matcher = SUMMARY_URL.matcher(summary);
        Map<String, String> urls = new java.util.HashMap<>();
        while (matcher.find()) {
            urls.put(matcher.group(1), matcher.group(2));
        }
        return urls;
    }

    /**
     * PostgreSQL outlives a {@code kill -9} of the JVM that started it; stopped as the next start would
     * stop it (a fast shutdown, waited for), before the data directory is deleted.
     */
    private static void stopOrphanedPostgres(Path dataDirectory) {
        PersistentPostgres.stopLeftoverServer(dataDirectory.resolve("postgres"));
    }
}
