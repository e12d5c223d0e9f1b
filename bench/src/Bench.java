import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The benchmark of Portfolio Bulk Access, run by {@code ./bench/run.sh} (see bench/README.md).
 *
 * <p>Starts the local stack jar in a process of its own, each service in a JVM of its own, on free
 * ports and a fresh data directory, with durable PostgreSQL settings; measures the raw limits of that PostgreSQL and Kafka; runs the
 * benchmark jobs one after another through the public HTTP API as a client would, with figures
 * computed from the client's clock and the stored task and activity rows; polls job status with 100
 * clients; writes Markdown and JSON to bench/results/. Every loop is bounded in count and time and
 * talks to localhost only.
 */
public final class Bench {

    static final String USAGE = """
            Usage: ./bench/run.sh [options]

              --no-build             use the last build of the local stack (run.sh)
              --jobs LIST            which jobs, comma-separated, in this order (default all):
                                     warmup, leaver, offboard, invite, million
                                     (warmup: 20 invitations to all 5,000 accounts, then their
                                     revocation, 2 x 100,000 tasks, so that the JIT has compiled
                                     the services' code before the jobs after it)
              --million-emails N     e-mails of the 1,000,000-task job (default 200: 200 x 5,000 accounts;
                                     1 to 1000, the per-job task cap raised to N x 5,000 over 200)
              --no-raw               skip the raw PostgreSQL and Kafka limits
              --no-polls             skip the status polls
              --no-preview           skip the preview timing
              --poll-seconds N       length of each poll phase (default 8)
              --jfr                  record the local stack with Java Flight Recorder (profile settings)
                                     into bench/results/<run>-<pid>.jfr, one file per JVM
              --one-jvm              run the three services in the local stack's JVM, not each in a JVM
                                     of its own as deployed (./run-local.sh without --jvm-per-service)
              --relay-jvm            run the task relay in a gateway JVM of its own, task-relay, and
                                     the api-gateway's JVM with its relay off (./run-local.sh
                                     --relay-jvm; not with --one-jvm)
              --cpu-groups           put each JVM of the stack, PostgreSQL and the benchmark's clients
                                     in a CPU control group of its own, as containers would (needs root);
                                     all or nothing: what cannot be applied as asked ends the run
              --cpu-weight NAME=N    with --cpu-groups: N times the default CPU weight for the group
                                     NAME (repeatable), e.g. api-gateway=8, as a deployment giving
                                     the API's gateways CPU first would
              --cpu-max NAME=CORES   with --cpu-groups: at most CORES cores (e.g. 1 or 0.5) for the
                                     group NAME (repeatable), a CPU limit as a container's would be
              --cpu-idle NAME        with --cpu-groups: the group NAME (repeatable) runs only on CPU
                                     that no other group wants (its cpu.idle; systemd's
                                     CPUWeight=idle), as batch work on a shared host may
              --stack-option OPT     one more option for the local stack JVM (repeatable), e.g. -Xmx2g,
                                     after those ./run-local.sh uses (run.sh passes them)
              --env NAME=VALUE       one more environment variable for the local stack (repeatable)
              --label TEXT           a label for the results (e.g. what changed)
              --help                 this text
            """;

    static final String SPEC = "5000x20";

    static final int ACCOUNTS = 5000;

    static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    final Map<String, Object> results = new LinkedHashMap<>();

    final List<String> notes = new ArrayList<>();

    Options options;

    Process stack;

    List<Jvm> jvms = List.of();

    final CpuGroups cpuGroups = new CpuGroups();

    String gateway;

    String token;

    String jdbcUrl;

    /** The local stack's PostgreSQL superuser's password, from the file the stack keeps it in. */
    String dbPassword;

    String kafka;

    UUID portfolio;

    Connection db;

    String finishedJobUrl;

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.print(USAGE);
            return;
        }
        Bench bench = new Bench();
        bench.options = options;
        // Ctrl-C stops the local stack too.
        Runtime.getRuntime().addShutdownHook(new Thread(bench::stopStack, "bench-stop"));
        try {
            bench.run();
        } finally {
            bench.stopStack();
        }
    }

    void run() throws Exception {
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now());
        Path resultsDir = Path.of("bench/results");
        Files.createDirectories(resultsDir);
        results.put("run", runId);
        results.put("label", options.label);
        results.put("machine", machine());
        results.put("loadAverageAtStart", loadAverage());
        log("Machine: " + results.get("machine"));
        log("Load average at start: " + results.get("loadAverageAtStart"));
        // What was measured is written whatever happens after it (a refused submission, a job that does
        // not finish, a stack that stops), marked as aborted with the failure: minutes of figures are
        // not lost to the last step.
        try {
            measure(resultsDir.resolve(runId + ".jfr"));
        } catch (Throwable ex) {
            Map<String, Object> aborted = new LinkedHashMap<>();
            aborted.put("during", step);
            aborted.put("error", ex.toString());
            results.put("aborted", aborted);
            log("Aborted during " + step + ": " + ex);
            throw ex;
        } finally {
            if (measuredAnything()) {
                try {
                    results.put("loadAverageAtEnd", loadAverage());
                    results.put("ratios", ratios());
                    results.put("notes", notes);
                    String markdown = markdown();
                    System.out.println();
                    System.out.println(markdown);
                    Files.writeString(resultsDir.resolve(runId + ".md"), markdown);
                    Files.writeString(resultsDir.resolve(runId + ".json"), Json.write(results) + "\n");
                    log("Wrote bench/results/" + runId + ".md and .json"
                            + (results.containsKey("aborted") ? " (aborted: what was measured before it)" : ""));
                } catch (IOException | RuntimeException ex) {
                    if (!results.containsKey("aborted")) {
                        throw ex;
                    }
                    log("Could not write the results measured before the abort: " + ex);
                }
            } else {
                log("Nothing measured: no results written");
            }
        }
    }

    /** What the benchmark is doing, for the results of a run that aborts. */
    volatile String step = "starting the local stack";

    void measure(Path jfr) throws Exception {
        if (options.cpuGroups) {
            // Before the stack's start, which takes minutes: groups that cannot be made as asked (no
            // cpu controller, no cpu.idle, a refused setting) end the run at once.
            step = "checking the CPU groups";
            cpuGroups.place(plannedGroups(), options.cpuWeights, options.cpuMax, options.cpuIdle);
            cpuGroups.remove();
        }
        step = "starting the local stack";
        startStack(jfr);
        step = "placing the CPU groups";
        results.put("cpuGroups", options.cpuGroups
                ? cpuGroups.place(groupedProcesses(), options.cpuWeights, options.cpuMax, options.cpuIdle)
                : "none (as started; --cpu-groups places them)");
        log("CPU groups: " + results.get("cpuGroups"));
        db = DriverManager.getConnection(jdbcUrl, "postgres", dbPassword);
        results.put("postgres", postgresFacts());
        log("PostgreSQL: " + results.get("postgres"));

        if (options.raw) {
            // In the results as each is measured: a run that aborts keeps what it has.
            Map<String, Object> raw = new LinkedHashMap<>();
            results.put("raw", raw);
            step = "the raw PostgreSQL limit";
            raw.put("upsert", rawUpsert());
            step = "the raw Kafka limit";
            raw.put("kafka", rawKafka());
        }
        if (options.preview) {
            step = "the preview";
            results.put("preview", preview());
        }
        List<Map<String, Object>> jobs = new ArrayList<>();
        results.put("jobs", jobs);
        for (String job : options.jobs) {
            if (job.equals("warmup")) {
                // Measured and reported like the others, but first: the services' code is still being
                // compiled by the JIT during the first 100,000-task job after a start.
                jobs.add(runJob("warm-up: INVITE_USERS 20 e-mails x 5,000 accounts", invite("bench-warmup", 20)));
                jobs.add(runJob("warm-up: REVOKE_INVITATIONS of them", revoke(usersByEmail("bench-warmup-%"))));
                continue;
            }
            Map<String, Object> figures = switch (job) {
                case "leaver" -> runJob("leaver (OFFBOARD_USERS, 1 user x 5,000 accounts)", offboard(List.of(leaverId())));
                case "offboard" -> runJob("OFFBOARD_USERS of every plain user", offboard(plainUsers()));
                case "invite" -> runJob("INVITE_USERS 20 e-mails x 5,000 accounts", invite("bench-invite", 20));
                case "million" -> runJob(
                        "INVITE_USERS " + options.millionEmails + " e-mails x 5,000 accounts",
                        invite("bench-million", options.millionEmails));
                default -> throw new IllegalArgumentException("Unknown job " + job);
            };
            jobs.add(figures);
        }
        if (options.polls) {
            step = "the status polls";
            Map<String, Object> polls = new LinkedHashMap<>();
            results.put("polls", polls);
            polls(polls);
        }
        step = "the end of the run";
    }

    /** Whether the run has figures to write: raw limits, the preview, a job or a poll phase. */
    boolean measuredAnything() {
        return results.get("raw") instanceof Map<?, ?> raw && !raw.isEmpty()
                || results.containsKey("preview")
                || results.get("jobs") instanceof List<?> jobs && !jobs.isEmpty()
                || results.get("polls") instanceof Map<?, ?> polls
                        && polls.get("phases") instanceof List<?> phases
                        && !phases.isEmpty();
    }

    // ---------------------------------------------------------------- the stack

    void startStack(Path jfr) throws Exception {
        Path dataDir = Path.of("bench/.stack").toAbsolutePath();
        int gatewayPort = freePort();
        int workerPort = freePort();
        int auditPort = freePort();
        int pgPort = freePort();
        int kafkaPort = freePort();
        int relayPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> javaOptions = options.stackJavaOptions();
        command.addAll(javaOptions);
        results.put("stackJavaOptions", javaOptions);
        if (options.jfr) {
            // One recording per JVM: %p is its process id.
            String file = options.oneJvm ? jfr.toString() : jfr.toString().replaceFirst("\\.jfr$", "-%p.jfr");
            command.add("-XX:StartFlightRecording=settings=profile,filename=" + Path.of(file).toAbsolutePath());
            results.put("jfr", file);
        }
        command.addAll(List.of(
                "-jar",
                options.jar,
                "--reset",
                "--data-dir",
                dataDir.toString(),
                "--seed-large",
                SPEC,
                "--gateway-port",
                String.valueOf(gatewayPort),
                "--worker-port",
                String.valueOf(workerPort),
                "--audit-port",
                String.valueOf(auditPort),
                "--postgres-port",
                String.valueOf(pgPort),
                "--kafka-port",
                String.valueOf(kafkaPort),
                // Free ports for the SMTP server and its mailbox too: another local stack may hold the defaults.
                "--smtp-port",
                String.valueOf(freePort()),
                "--mailbox-port",
                String.valueOf(freePort()),
                // The stack stops itself once this JVM has exited: a kill -9 of the benchmark, which
                // runs no shutdown hook, would otherwise leave it running on bench/.stack, locked.
                "--stop-with",
                String.valueOf(ProcessHandle.current().pid())));
        if (!options.oneJvm) {
            // As deployed: one service's garbage collection pauses, heap and CPU are not another's.
            command.add("--jvm-per-service");
        }
        if (options.relayJvm) {
            command.addAll(List.of("--relay-jvm", "--relay-port", String.valueOf(relayPort)));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // The 1,000,000-task job needs a higher per-job cap than the product's default, and more with
        // --million-emails over 200.
        builder.environment().put("BULK_MAX_TASKS_PER_JOB", String.valueOf(millionJobCap(options.millionEmails)));
        builder.environment().putAll(options.env);
        results.put("stackCommand", String.join(" ", command));
        results.put("stackEnvironment", new LinkedHashMap<>(options.env));
        log("Starting the local stack: " + String.join(" ", command));
        long started = System.nanoTime();
        stack = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8));
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean announced = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (running.getCount() > 0) {
                        System.out.println("  | " + line);
                    }
                    if (line.startsWith("Portfolio Bulk Access is running")) {
                        announced.set(true);
                        running.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the stack stopped
            } finally {
                // Its output ended: a stack that exited during its start is not waited for any longer.
                running.countDown();
            }
        });
        if (!running.await(10, TimeUnit.MINUTES) || !announced.get() || !stack.isAlive()) {
            throw new IllegalStateException("The local stack did not start; see bench/.stack/logs/local-stack.log");
        }
        results.put("stackStartSeconds", seconds(System.nanoTime() - started));
        gateway = "http://localhost:" + gatewayPort;
        jvms = jvms("http://127.0.0.1:" + workerPort, "http://127.0.0.1:" + auditPort, "http://127.0.0.1:" + relayPort);
        results.put("jvms", jvmNames());
        token = Files.readString(dataDir.resolve("admin-token")).trim();
        jdbcUrl = "jdbc:postgresql://localhost:" + pgPort + "/bulk";
        dbPassword = Files.readString(dataDir.resolve("postgres/superuser-password")).trim();
        kafka = "localhost:" + kafkaPort;
        portfolio = UUID.nameUUIDFromBytes(("load-test-portfolio:" + SPEC).getBytes(StandardCharsets.UTF_8));
    }

    /** The per-job task cap the stack runs with: 1,000,000, or the largest job's tasks when more. */
    static long millionJobCap(int millionEmails) {
        return Math.max(1_000_000L, (long) ACCOUNTS * millionEmails);
    }

    /**
     * The local stack's JVMs, each with its Prometheus endpoint: the services' own JVMs (children of
     * the local stack's, which keeps the Kafka broker and the mailbox), with the gateway that relays
     * if it runs apart ({@code --relay-jvm}), or the one that runs them all.
     */
    List<Jvm> jvms(String workerUrl, String auditUrl, String relayUrl) {
        if (options.oneJvm) {
            return List.of(new Jvm(ONE_JVM, stack.pid(), gateway));
        }
        Map<String, String> urls = new LinkedHashMap<>();
        urls.put("api-gateway", gateway);
        if (options.relayJvm) {
            urls.put("task-relay", relayUrl);
        }
        urls.put("bulk-worker", workerUrl);
        urls.put("audit-consumer", auditUrl);
        List<Jvm> jvms = new ArrayList<>();
        stack.toHandle().children().forEach(child -> {
            // From /proc: ProcessHandle.Info gives no arguments for a long command line.
            List<String> arguments = List.of(readQuietly(Path.of("/proc/" + child.pid() + "/cmdline")).split("\0"));
            int at = arguments.indexOf("--service-jvm");
            if (at >= 0 && at + 1 < arguments.size() && urls.containsKey(arguments.get(at + 1))) {
                jvms.add(new Jvm(arguments.get(at + 1), child.pid(), urls.get(arguments.get(at + 1))));
            }
        });
        if (jvms.size() != urls.size()) {
            throw new IllegalStateException("Found " + jvms + " among the local stack's processes, not " + urls.keySet());
        }
        List<String> order = List.copyOf(urls.keySet());
        jvms.sort(Comparator.comparing(jvm -> order.indexOf(jvm.name())));
        jvms.add(new Jvm(STACK_JVM, stack.pid(), null));
        return List.copyOf(jvms);
    }

    /** The name of the one JVM with --one-jvm. */
    static final String ONE_JVM = "local stack (all three services)";

    /** The name of the local stack's own JVM, beside the services' JVMs. */
    static final String STACK_JVM = "local stack (Kafka broker, mailbox)";

    /**
     * The CPU groups {@link #groupedProcesses()} will give once the stack runs, with no processes yet:
     * each JVM {@link #jvms} will find, PostgreSQL and the benchmark's clients.
     */
    Map<String, List<Long>> plannedGroups() {
        List<String> names = new ArrayList<>();
        if (options.oneJvm) {
            names.add(ONE_JVM);
        } else {
            names.add("api-gateway");
            if (options.relayJvm) {
                names.add("task-relay");
            }
            names.addAll(List.of("bulk-worker", "audit-consumer", STACK_JVM));
        }
        names.addAll(List.of("PostgreSQL", "benchmark clients"));
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        names.forEach(name -> groups.put(name, List.of()));
        return groups;
    }

    /** One JVM of the local stack; {@code metricsUrl} is the base URL of its Prometheus endpoint, if any. */
    record Jvm(String name, long pid, String metricsUrl) {}

    List<String> jvmNames() {
        return jvms.stream().map(Jvm::name).toList();
    }

    List<Long> jvmPids() {
        return jvms.stream().map(Jvm::pid).toList();
    }

    synchronized void stopStack() {
        if (stack == null || !stack.isAlive()) {
            cpuGroups.remove();
            return;
        }
        log("Stopping the local stack ...");
        stack.destroy();
        try {
            if (!stack.waitFor(2, TimeUnit.MINUTES)) {
                stack.destroyForcibly();
            }
        } catch (InterruptedException ex) {
            stack.destroyForcibly();
        }
        cpuGroups.remove();
    }

    /**
     * The processes to place in CPU groups, by group: each JVM of the local stack, PostgreSQL (the
     * postmaster and the processes it started; those it starts later inherit its group) and this
     * benchmark's JVM, the clients.
     */
    Map<String, List<Long>> groupedProcesses() {
        Map<String, List<Long>> groups = new LinkedHashMap<>();
        jvms.forEach(jvm -> groups.put(jvm.name(), List.of(jvm.pid())));
        long postmaster = postmasterPid();
        if (postmaster > 0) {
            List<Long> postgres = new ArrayList<>(List.of(postmaster));
            ProcessHandle.of(postmaster)
                    .ifPresent(handle -> handle.descendants().forEach(child -> postgres.add(child.pid())));
            groups.put("PostgreSQL", postgres);
        }
        groups.put("benchmark clients", List.of(ProcessHandle.current().pid()));
        return groups;
    }

    /**
     * With {@code --cpu-groups}: each process of the stack in a CPU control group of its own, of equal
     * weight, as each would be in a container of its own when deployed. Left as they start, Linux's
     * autogroup schedules by session: the JVMs, started from one shell, share one group with the
     * benchmark's clients, while every PostgreSQL process (each starts a session of its own) is a
     * group of its own. Needs write access to the cpu controller (cgroup v1, or v2 with the
     * controller enabled), as root has. All or nothing: what cannot be applied as asked ends the run,
     * with every process where it was and no group left, rather than a run measured with some
     * processes in groups and some not.
     */
    static final class CpuGroups {

        private Path parent;

        private Path root;

        /** The cgroup v2 hierarchy rather than v1's cpu hierarchy (cpu.weight and cpu.max, not cpu.shares). */
        private boolean v2;

        /** The groups, by name: their directories. */
        private final Map<String, Path> groups = new LinkedHashMap<>();

        /** The processes moved into a group, each with the group it was in before: where it goes back. */
        private final Map<Long, Path> moved = new LinkedHashMap<>();

        /**
         * Each group's first process's group before: where a process it started since goes (a
         * PostgreSQL backend started in the postmaster's group).
         */
        private final Map<Path, Path> firstFrom = new LinkedHashMap<>();

        /** The groups limited by --cpu-max, by name: their directories. */
        private final Map<String, Path> limited = new LinkedHashMap<>();

        /**
         * Places each group's processes, each group at the default weight times its entry in {@code
         * weights} (1 if none), limited to its entry in {@code maxCores} (none if none), and idle if in
         * {@code idle}; says what it applied. All or nothing: every group is made and set up before any
         * process is moved, and whatever fails on the way (no cpu controller, a control file this kernel
         * does not have, a write the controller refuses) moves the processes moved so far back where
         * they were and removes the groups. With no processes, it checks that the groups can be made as
         * asked, and leaves them for {@link #remove()}.
         *
         * @throws IllegalStateException naming what is missing or was refused
         */
        synchronized String place(
                Map<String, List<Long>> groups,
                Map<String, Integer> weights,
                Map<String, Double> maxCores,
                Set<String> idle) {
            if (!groups.keySet().containsAll(weights.keySet())
                    || !groups.keySet().containsAll(maxCores.keySet())
                    || !groups.keySet().containsAll(idle)) {
                throw new IllegalStateException("--cpu-groups: --cpu-weight, --cpu-max or --cpu-idle names a group"
                        + " that is not one of " + groups.keySet());
            }
            try {
                root = cpuController();
                if (root == null) {
                    throw new IOException("no cpu controller of cgroup v1 or v2 is mounted (on cgroup v2, the root's"
                            + " cgroup.subtree_control must name cpu)");
                }
                v2 = Files.exists(root.resolve("cgroup.controllers"));
                removeLeftovers(root);
                parent = root.resolve("portfolio-bench-" + ProcessHandle.current().pid());
                Files.createDirectories(parent);
                if (v2) {
                    set(parent, "cgroup.subtree_control", "+cpu", "--cpu-groups");
                }
                for (String name : groups.keySet()) {
                    Path dir = parent.resolve(name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-"));
                    Files.createDirectories(dir);
                    this.groups.put(name, dir);
                    int times = weights.getOrDefault(name, 1);
                    if (times != 1) {
                        // cgroup v2's default weight is 100, v1's shares 1024.
                        set(dir, v2 ? "cpu.weight" : "cpu.shares", Integer.toString((v2 ? 100 : 1024) * times),
                                "--cpu-weight");
                    }
                    if (idle.contains(name)) {
                        // SCHED_IDLE for the group among its siblings: any other group's thread that
                        // wakes takes the CPU from it at once (cgroup v1 and v2, Linux 5.15 and later).
                        set(dir, "cpu.idle", "1", "--cpu-idle (Linux 5.15 and later)");
                    }
                    Double cores = maxCores.get(name);
                    if (cores != null) {
                        // A quota of CPU time per period of 100 ms: cgroup v2's cpu.max, v1's cfs_quota_us.
                        long quota = Math.round(cores * 100_000);
                        if (v2) {
                            set(dir, "cpu.max", quota + " 100000", "--cpu-max");
                        } else {
                            set(dir, "cpu.cfs_period_us", "100000", "--cpu-max");
                            set(dir, "cpu.cfs_quota_us", Long.toString(quota), "--cpu-max");
                        }
                        limited.put(name, dir);
                    }
                }
                for (Map.Entry<String, List<Long>> group : groups.entrySet()) {
                    for (long pid : group.getValue()) {
                        move(pid, this.groups.get(group.getKey()), group.getKey());
                    }
                }
                return "each of " + groups.keySet() + " in a group of its own, "
                        + (weights.isEmpty() ? "equal weights" : "weights as the default times " + weights)
                        + (maxCores.isEmpty() ? "" : ", at most so many cores: " + maxCores)
                        + (idle.isEmpty() ? "" : ", idle (only CPU no other group wants): " + idle)
                        + " (" + parent + ")";
            } catch (IOException | RuntimeException ex) {
                List<String> left = remove();
                throw new IllegalStateException("--cpu-groups: " + ex.getMessage() + "; "
                        + (left.isEmpty()
                                ? "nothing was placed (every process moved back where it was, the groups removed)"
                                : "could not undo all of it: " + String.join("; ", left)), ex);
            }
        }

        /** Moves the process into the group, remembering where it was; a process already gone is skipped. */
        private void move(long pid, Path dir, String name) throws IOException {
            Path from = groupOf(pid);
            if (from == null) {
                return;
            }
            try {
                write(dir.resolve("cgroup.procs"), Long.toString(pid));
                moved.putIfAbsent(pid, from);
                firstFrom.putIfAbsent(dir, from);
            } catch (IOException ex) {
                if (ProcessHandle.of(pid).isPresent()) {
                    throw new IOException("the cpu controller refused to move process " + pid + " (" + name
                            + ") into " + dir + ": " + ex.getMessage(), ex);
                }
            }
        }

        /**
         * Writes a control file of a group, which the kernel made with the group: one it did not make
         * is a control this kernel's cpu controller does not have, which {@code option} needs.
         */
        private static void set(Path dir, String file, String value, String option) throws IOException {
            Path control = dir.resolve(file);
            if (!Files.exists(control)) {
                throw new IOException(option + " needs " + file + ", which this kernel's cpu controller does not"
                        + " have (no " + control + ")");
            }
            try {
                write(control, value);
            } catch (IOException ex) {
                throw new IOException("the cpu controller refused " + value + " in " + control + " (" + option + "): "
                        + ex.getMessage(), ex);
            }
        }

        /** Writes a control file that exists: never creates one. */
        private static void write(Path control, String value) throws IOException {
            Files.writeString(control, value, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        /** The group of the cpu hierarchy the process is in, from /proc; null once it is gone. */
        private Path groupOf(long pid) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
                    String[] fields = line.split(":", 3);
                    if (fields.length == 3
                            && (v2 ? fields[0].equals("0") && fields[1].isEmpty()
                                    : List.of(fields[1].split(",")).contains("cpu"))) {
                        return root.resolve(fields[2].substring(1));
                    }
                }
                throw new IllegalStateException("process " + pid + " is in no group of " + root);
            } catch (IOException ex) {
                return null;
            }
        }

        /**
         * How often and how long each limited group was held back by its limit so far (its {@code
         * cpu.stat}: {@code nr_throttled}, and {@code throttled_time} in nanoseconds on cgroup v1,
         * {@code throttled_usec} on v2): a throttled group runs none of its threads until the next
         * period of 100 ms, whatever waits in them.
         *
         * @return by group name: periods throttled, milliseconds throttled
         */
        synchronized Map<String, double[]> throttling() {
            Map<String, double[]> throttling = new LinkedHashMap<>();
            limited.forEach((name, dir) -> {
                String stat = readQuietly(dir.resolve("cpu.stat"));
                double periods = statValue(stat, "nr_throttled");
                double nanos = stat.contains("throttled_usec")
                        ? statValue(stat, "throttled_usec") * 1000
                        : statValue(stat, "throttled_time");
                throttling.put(name, new double[] {periods, nanos / 1e6});
            });
            return throttling;
        }

        private static double statValue(String stat, String key) {
            Matcher matcher = Pattern.compile("(?m)^" + key + " (\\d+)$").matcher(stat);
            return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
        }

        /**
         * Moves every process still in a group back where it was (one a placed process started since, a
         * PostgreSQL backend, where that process was) and removes the groups.
         *
         * @return what could not be undone, empty when all was
         */
        synchronized List<String> remove() {
            List<String> left = new ArrayList<>();
            if (parent == null) {
                return left;
            }
            for (Path dir : groups.values()) {
                for (String pid : readQuietly(dir.resolve("cgroup.procs")).split("\\s+")) {
                    if (pid.isEmpty()) {
                        continue;
                    }
                    Path to = moved.getOrDefault(Long.parseLong(pid), firstFrom.getOrDefault(dir, root));
                    try {
                        write(to.resolve("cgroup.procs"), pid);
                    } catch (IOException ex) {
                        if (ProcessHandle.of(Long.parseLong(pid)).isPresent()) {
                            left.add("process " + pid + " stays in " + dir + " (" + ex.getMessage() + ")");
                        }
                    }
                }
            }
            for (Path dir : groups.values()) {
                deleteQuietly(dir, left);
            }
            deleteQuietly(parent, left);
            if (left.isEmpty()) {
                parent = null;
                groups.clear();
                limited.clear();
                moved.clear();
                firstFrom.clear();
            } else {
                log("Could not remove the CPU groups under " + parent + ": " + left);
            }
            return left;
        }

        private static void deleteQuietly(Path dir, List<String> left) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ex) {
                left.add("group " + dir + " not removed (" + ex.getMessage() + ")");
            }
        }

        /**
         * Removes the empty groups of earlier runs whose benchmark is gone (killed with kill -9, it
         * removed nothing): the local stack stops with it, and its processes' groups are then empty.
         */
        private static void removeLeftovers(Path root) throws IOException {
            try (Stream<Path> runs = Files.list(root)) {
                for (Path run : runs.filter(dir -> dir.getFileName().toString().matches("portfolio-bench-\\d+"))
                        .toList()) {
                    long pid = Long.parseLong(run.getFileName().toString().substring("portfolio-bench-".length()));
                    if (ProcessHandle.of(pid).isPresent()) {
                        continue;
                    }
                    try (Stream<Path> dirs = Files.list(run)) {
                        for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                            Files.delete(dir);
                        }
                        Files.delete(run);
                    } catch (IOException ex) {
                        // Still in use, or not ours to remove: left as it is.
                    }
                }
            }
        }

        /**
         * Where the cpu controller is mounted: its cgroup v1 hierarchy, or the cgroup v2 root when the
         * controller is enabled there; null if neither.
         */
        static Path cpuController() throws IOException {
            for (String mount : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] fields = mount.split(" ");
                if (fields.length < 4) {
                    continue;
                }
                Path dir = Path.of(fields[1]);
                if (fields[2].equals("cgroup") && List.of(fields[3].split(",")).contains("cpu")) {
                    return dir;
                }
                if (fields[2].equals("cgroup2")
                        && List.of(readQuietly(dir.resolve("cgroup.subtree_control")).trim().split(" "))
                                .contains("cpu")) {
                    return dir;
                }
            }
            return null;
        }
    }

    // ---------------------------------------------------------------- raw limits

    /** Batched upserts: 500 rows a statement (UNNEST of arrays), a commit each, on one connection. */
    Map<String, Object> rawUpsert() throws SQLException {
        log("Raw limit: batched upserts (500 rows a batch, one connection, a commit each) ...");
        int batch = 500;
        int rows = 100_000;
        try (Statement ddl = db.createStatement()) {
            ddl.execute("DROP SCHEMA IF EXISTS bench CASCADE");
            ddl.execute("CREATE SCHEMA bench");
            ddl.execute("""
                    CREATE TABLE bench.upsert_probe (
                        id uuid PRIMARY KEY, account_id uuid NOT NULL, status text NOT NULL,
                        attempts integer NOT NULL, applied_at timestamptz NOT NULL)""");
        }
        UUID[] ids = new UUID[rows];
        for (int i = 0; i < rows; i++) {
            ids[i] = UUID.randomUUID();
        }
        String sql = """
                INSERT INTO bench.upsert_probe (id, account_id, status, attempts, applied_at)
                SELECT id, account_id, 'SUCCEEDED', 1, now() FROM unnest(?::uuid[], ?::uuid[]) AS t(id, account_id)
                ON CONFLICT (id) DO UPDATE SET status = 'SKIPPED', attempts = bench.upsert_probe.attempts + 1,
                    applied_at = now()""";
        Map<String, Object> figures = new LinkedHashMap<>();
        db.setAutoCommit(false);
        try (PreparedStatement upsert = db.prepareStatement(sql)) {
            for (String pass : List.of("insertRowsPerSecond", "updateRowsPerSecond")) {
                long start = System.nanoTime();
                for (int from = 0; from < rows; from += batch) {
                    UUID[] slice = Arrays.copyOfRange(ids, from, from + batch);
                    UUID[] accounts = new UUID[batch];
                    for (int i = 0; i < batch; i++) {
                        accounts[i] = new UUID(slice[i].getLeastSignificantBits(), slice[i].getMostSignificantBits());
                    }
                    upsert.setArray(1, db.createArrayOf("uuid", slice));
                    upsert.setArray(2, db.createArrayOf("uuid", accounts));
                    upsert.executeUpdate();
                    db.commit();
                }
                figures.put(pass, rows / seconds(System.nanoTime() - start));
            }
        } finally {
            db.setAutoCommit(true);
        }
        try (Statement ddl = db.createStatement()) {
            ddl.execute("DROP SCHEMA bench CASCADE");
        }
        double insert = (double) figures.get("insertRowsPerSecond");
        double update = (double) figures.get("updateRowsPerSecond");
        figures.put("rowsPerSecond", 2.0 / (1.0 / insert + 1.0 / update));
        figures.put("rows", rows * 2);
        figures.put("batchSize", batch);
        log("  " + figures);
        return figures;
    }

    /** Kafka: 300-byte records, acks=all and idempotent like the relay; then one consumer reads them all. */
    Map<String, Object> rawKafka() throws Exception {
        log("Raw limit: Kafka produce and consume (300 B records) ...");
        String topic = "bench.raw-probe";
        int records = 300_000;
        int partitions = 12;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        Properties producerConfig = new Properties();
        producerConfig.putAll(Map.of(
                "bootstrap.servers", kafka,
                "acks", "all",
                "enable.idempotence", "true",
                "linger.ms", "5",
                "batch.size", String.valueOf(64 * 1024),
                "key.serializer", StringSerializer.class.getName(),
                "value.serializer", ByteArraySerializer.class.getName()));
        byte[] value = new byte[300];
        new Random(17).nextBytes(value);
        Map<String, Object> figures = new LinkedHashMap<>();
        // One record to each partition, sent and flushed before the clock starts: the producer's start-up
        // (the topic's metadata, its producer id, the connection) is not timed, as the consumer's clock
        // starts at its first record.
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
            String[] keys = new String[ACCOUNTS];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = UUID.randomUUID().toString();
            }
            for (int partition = 0; partition < partitions; partition++) {
                producer.send(new ProducerRecord<>(topic, partition, keys[partition], value));
            }
            producer.flush();
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, keys[i % keys.length], value));
            }
            producer.flush();
            figures.put("produceMessagesPerSecond", records / seconds(System.nanoTime() - start));
        }
        Properties consumerConfig = new Properties();
        consumerConfig.putAll(Map.of(
                "bootstrap.servers", kafka,
                "group.id", "bench-raw-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest",
                "enable.auto.commit", "false",
                "max.poll.records", "500",
                "key.deserializer", StringDeserializer.class.getName(),
                "value.deserializer", ByteArrayDeserializer.class.getName()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig)) {
            consumer.subscribe(List.of(topic));
            int received = 0;
            long first = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            // The warm-up records too: all that is in the topic.
            while (received < records + partitions && System.nanoTime() < deadline) {
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                if (!batch.isEmpty() && first == 0) {
                    first = System.nanoTime();
                }
                received += batch.count();
                if (batch.count() > 0) {
                    consumer.commitAsync();
                }
            }
            figures.put("consumeMessagesPerSecond", received / seconds(System.nanoTime() - first));
        }
        figures.put("records", records);
        figures.put("recordBytes", value.length);
        log("  " + figures);
        return figures;
    }

    // ---------------------------------------------------------------- preview

    Map<String, Object> preview() throws Exception {
        log("Preview: offboarding the leaver from 5,000 accounts (10 warm-up calls, then 20) ...");
        String body = offboard(List.of(leaverId()));
        String url = gateway + "/api/v1/portfolios/" + portfolio + "/bulk-jobs/preview?limit=1";
        List<Double> millis = new ArrayList<>();
        CpuTime cpuBefore = null;
        // 10 calls unmeasured: after 5, the first measured call was still the slowest of the 20, by 20 to
        // 50 ms in two runs of two (the JIT still compiling the preview's path).
        int warmUp = 10;
        for (int i = 0; i < warmUp + 20; i++) {
            if (i == warmUp) {
                cpuBefore = CpuTime.now(jvmPids(), postmasterPid());
            }
            long start = System.nanoTime();
            HttpResponse<String> answer = post(url, body, null);
            long took = System.nanoTime() - start;
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("Preview answered " + answer.statusCode() + ": " + answer.body());
            }
            if (i >= warmUp) {
                millis.add(took / 1e6);
            }
        }
        CpuTime cpu = CpuTime.now(jvmPids(), postmasterPid()).minus(cpuBefore);
        Map<String, Object> figures = percentiles(millis);
        // In call order: whether a slow call came early (compilation still under way) or at random.
        figures.put("callsMillis", millis.stream().map(ms -> Math.round(ms * 10) / 10.0).toList());
        // Less dependent on the machine's other load than the latencies.
        figures.put("stackCpuMillisPerCall", cpu.stack() * 1e3 / millis.size());
        figures.put("postgresCpuMillisPerCall", cpu.postgres() * 1e3 / millis.size());
        log("  " + figures);
        return figures;
    }

    // ---------------------------------------------------------------- jobs

    UUID leaverId() {
        return UUID.nameUUIDFromBytes(("load-" + SPEC + ":leaver").getBytes(StandardCharsets.UTF_8));
    }

    List<UUID> plainUsers() throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(
                "SELECT id FROM directory.users WHERE email LIKE 'user%@load-" + SPEC + ".example' ORDER BY email")) {
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return ids;
    }

    List<UUID> accounts() throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (PreparedStatement query =
                db.prepareStatement("SELECT id FROM directory.accounts WHERE portfolio_id = ? ORDER BY name")) {
            query.setObject(1, portfolio);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return ids;
    }

    static String offboard(List<UUID> users) {
        StringBuilder body = new StringBuilder("{\"type\":\"OFFBOARD_USERS\",\"userIds\":[");
        for (int i = 0; i < users.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(users.get(i)).append('"');
        }
        return body.append("]}").toString();
    }

    /** The users whose e-mail address (at bench.example) matches the pattern. */
    List<UUID> usersByEmail(String pattern) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (PreparedStatement query =
                db.prepareStatement("SELECT id FROM directory.users WHERE email LIKE ? ORDER BY email")) {
            query.setString(1, pattern + "@bench.example");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return ids;
    }

    String revoke(List<UUID> users) throws SQLException {
        StringBuilder body = new StringBuilder("{\"type\":\"REVOKE_INVITATIONS\",\"userIds\":[");
        for (int i = 0; i < users.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(users.get(i)).append('"');
        }
        body.append("],\"accountIds\":[");
        List<UUID> accounts = accounts();
        for (int i = 0; i < accounts.size(); i++) {
            body.append(i == 0 ? "" : ",").append('"').append(accounts.get(i)).append('"');
        }
        return body.append("]}").toString();
    }

    String invite(String prefix, int emails) throws SQLException {
        StringBuilder body = new StringBuilder("{\"type\":\"INVITE_USERS\",\"emails\":[");
        for (int i = 0; i < emails; i++) {
            body.append(i == 0 ? "" : ",").append("\"").append(prefix).append(String.format("-%04d", i));
            body.append("@bench.example\"");
        }
        body.append("],\"accounts\":[");
        List<UUID> accounts = accounts();
        for (int i = 0; i < accounts.size(); i++) {
            body.append(i == 0 ? "" : ",").append("{\"accountId\":\"").append(accounts.get(i));
            body.append("\",\"role\":\"ANALYST\"}");
        }
        return body.append("]}").toString();
    }

    Map<String, Object> runJob(String name, String body) throws Exception {
        step = "the job " + name;
        log("Job: " + name + " ...");
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("job", name);
        MemorySampler memory = new MemorySampler(jvms);
        memory.start();
        CpuTime cpuBefore = CpuTime.now(jvmPids(), postmasterPid());
        String url = gateway + "/api/v1/portfolios/" + portfolio + "/bulk-jobs";
        String type = field(body, "type");
        double[] serverBefore = submissionTimer(type);
        long submitStart = System.nanoTime();
        HttpResponse<String> answer = post(url, body, UUID.randomUUID().toString());
        long submitted = System.nanoTime();
        double[] serverAfter = submissionTimer(type);
        if (answer.statusCode() != 202) {
            memory.stop();
            throw new IllegalStateException("Submission answered " + answer.statusCode() + ": " + answer.body());
        }
        UUID jobId = UUID.fromString(field(answer.body(), "jobId"));
        figures.put("jobId", jobId.toString());
        figures.put("submitSeconds", seconds(submitted - submitStart));
        if (serverAfter[1] - serverBefore[1] == 1) {
            // The gateway's own time for it (bulk_job_submission_seconds): from the parsed request to
            // the stored job; the rest of the round trip is the request's and the answer's transfer,
            // parsing and writing, and any wait for a core.
            figures.put("serverSubmitSeconds", serverAfter[0] - serverBefore[0]);
        }
        figures.put("requestBytes", body.length());
        String status;
        long firstProgress = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        String jobUrl = url + "/" + jobId;
        while (true) {
            HttpResponse<String> poll = get(jobUrl, null);
            status = field(poll.body(), "status");
            if (firstProgress == 0 && !"QUEUED".equals(status) && !pending(poll.body()).equals(total(poll.body()))) {
                firstProgress = System.nanoTime();
            }
            if (isTerminal(status)) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Job " + jobId + " did not finish within 30 minutes");
            }
            Thread.sleep(50);
        }
        long completed = System.nanoTime();
        finishedJobUrl = jobUrl;
        figures.put("status", status);
        // Activity entries: wait until every succeeded task has its entry (bounded).
        long activityDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        long succeeded = succeededTasks(jobId);
        long entries = 0;
        while (System.nanoTime() < activityDeadline) {
            entries = activityEntries(jobId);
            if (entries >= succeeded) {
                break;
            }
            Thread.sleep(250);
        }
        long activityObserved = System.nanoTime();
        // The job's CPU ends here, at its last activity entry: before the sampler's last scrape of the
        // JVMs and before the benchmark's own query of the job's stored figures (percentiles over all of
        // its tasks, in PostgreSQL's CPU).
        CpuTime cpu = CpuTime.now(jvmPids(), postmasterPid()).minus(cpuBefore);
        memory.stop();
        Map<String, Object> stored = storedFigures(jobId);
        long total = ((Number) stored.get("total")).longValue();
        double overall = seconds(completed - submitStart);
        figures.put("tasks", total);
        figures.put("succeeded", succeeded);
        figures.put("skipped", stored.get("skipped"));
        figures.put("failed", stored.get("failed"));
        figures.put("firstAppliedSeconds", stored.get("firstAppliedSeconds"));
        figures.put("firstProgressSeenSeconds", firstProgress == 0 ? null : seconds(firstProgress - submitStart));
        figures.put("completedSeconds", overall);
        figures.put("tasksPerSecondOverall", total / overall);
        figures.put("tasksPerSecondSteady", stored.get("steadyTasksPerSecond"));
        figures.put("taskLatencySeconds", stored.get("taskLatencySeconds"));
        figures.put("activityEntries", entries);
        // Succeeded tasks still without an entry when the wait ran out: the lag below is then not the last one's.
        figures.put("activityEntriesMissing", Math.max(0, succeeded - entries));
        // The newest entry's recorded_at minus the job's completed_at: recorded_at is the start of the
        // audit-consumer's transaction that wrote it, which was readable only at its commit, so this
        // understates when the last entry was readable, and can be negative.
        figures.put("activityAfterCompletedSeconds", activityLag(jobId));
        // From the poll that saw the job terminal until a count of its entries found them all: when
        // the client could read the last one, at most a count's interval (250 ms) and duration late.
        figures.put("activityObservedAfterCompletedSeconds", seconds(activityObserved - completed));
        figures.put("memory", memory.figures());
        Map<String, Object> cpuFigures = new LinkedHashMap<>();
        cpuFigures.put("stackSeconds", cpu.stack());
        cpuFigures.put("postgresSeconds", cpu.postgres());
        cpuFigures.put("stackMicrosPerTask", cpu.stack() * 1e6 / total);
        cpuFigures.put("postgresMicrosPerTask", cpu.postgres() * 1e6 / total);
        figures.put("cpu", cpuFigures);
        log("  " + figures);
        return figures;
    }

    /**
     * The fewest distinct {@code applied_at} instants (batches) of a job for which its steady rate is
     * reported: a 5,000-task job applied in a handful of batches showed 26,620 tasks/s steady against
     * 6,670 overall.
     */
    static final int STEADY_MIN_INSTANTS = 20;

    /** Counts and times from the stored rows; times of one clock (PostgreSQL's). */
    Map<String, Object> storedFigures(UUID jobId) throws SQLException {
        Map<String, Object> figures = new LinkedHashMap<>();
        try (PreparedStatement query = db.prepareStatement("""
                SELECT j.total, j.succeeded, j.skipped, j.failed,
                       extract(epoch FROM min(t.applied_at) - j.created_at) AS first_applied,
                       percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP
                           (ORDER BY extract(epoch FROM t.applied_at - j.created_at)) AS latency,
                       extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY t.applied_at)
                                        - percentile_disc(0.1) WITHIN GROUP (ORDER BY t.applied_at)) AS steady,
                       count(DISTINCT t.applied_at) AS instants
                  FROM jobs.bulk_jobs j JOIN jobs.bulk_tasks t ON t.job_id = j.id
                 WHERE j.id = ?
                 GROUP BY j.id""")) {
            query.setObject(1, jobId);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                long total = row.getLong("total");
                figures.put("total", total);
                figures.put("succeeded", row.getLong("succeeded"));
                figures.put("skipped", row.getLong("skipped"));
                figures.put("failed", row.getLong("failed"));
                figures.put("firstAppliedSeconds", row.getDouble("first_applied"));
                Array latency = row.getArray("latency");
                Object[] values = (Object[]) latency.getArray();
                Map<String, Object> percentiles = new LinkedHashMap<>();
                percentiles.put("p50", ((Number) values[0]).doubleValue());
                percentiles.put("p95", ((Number) values[1]).doubleValue());
                percentiles.put("p99", ((Number) values[2]).doubleValue());
                figures.put("taskLatencySeconds", percentiles);
                double steady = row.getDouble("steady");
                // applied_at is the time of a batch's transaction, shared by all of its tasks: with few
                // batches the 10th and 90th percentiles are a few batches apart, and the rate is noise.
                boolean enoughBatches = row.getLong("instants") >= STEADY_MIN_INSTANTS;
                figures.put("steadyTasksPerSecond", enoughBatches && steady > 0 ? 0.8 * total / steady : null);
            }
        }
        return figures;
    }

    /** The job's succeeded tasks, from its row (one read by its key). */
    long succeededTasks(UUID jobId) throws SQLException {
        try (PreparedStatement query = db.prepareStatement("SELECT succeeded FROM jobs.bulk_jobs WHERE id = ?")) {
            query.setObject(1, jobId);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    long activityEntries(UUID jobId) throws SQLException {
        try (PreparedStatement query = db.prepareStatement("SELECT count(*) FROM audit.activity_log WHERE job_id = ?")) {
            query.setObject(1, jobId);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    Double activityLag(UUID jobId) throws SQLException {
        try (PreparedStatement query = db.prepareStatement("""
                SELECT extract(epoch FROM (SELECT max(recorded_at) FROM audit.activity_log WHERE job_id = ?)
                                          - (SELECT completed_at FROM jobs.bulk_jobs WHERE id = ?))""")) {
            query.setObject(1, jobId);
            query.setObject(2, jobId);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                double value = row.getDouble(1);
                return row.wasNull() ? null : value;
            }
        }
    }

    // ---------------------------------------------------------------- polls

    /** The status polls, into {@code figures} as they are measured (a run that aborts keeps the phases it has). */
    void polls(Map<String, Object> figures) throws Exception {
        List<Map<String, Object>> phases = new ArrayList<>();
        // The jobs before leave PostgreSQL vacuuming their rows (after the 1,000,000-task job, for most of
        // a minute): the polls are measured with the stack's own load only, their job's included.
        figures.put("autovacuumBefore", waitForAutovacuum(TimeUnit.MINUTES.toNanos(3)));
        figures.put("phases", phases);
        // First, before the running job: a finished job's status never changes, so every conditional
        // poll can answer 304, and with no job running the local stack's CPU per answer is what one
        // poll costs the gateway.
        if (finishedJobUrl != null) {
            log("Status polls: 100 clients polling a finished job (after a warm-up) ...");
            figures.put("warmUp", warmUpPolls(finishedJobUrl));
            for (boolean conditional : List.of(false, true)) {
                Map<String, Object> finished = pollPhase(finishedJobUrl, true, conditional);
                finished.put("jobRunningAtEnd", false);
                finished.put("note", "a finished job (the last benchmark job), not the running one");
                phases.add(finished);
                log("  " + finished);
            }
        }
        log("Status polls: 100 clients during a running job ...");
        String url = gateway + "/api/v1/portfolios/" + portfolio + "/bulk-jobs";
        String body = invite("bench-polls", 100);
        HttpResponse<String> answer = post(url, body, UUID.randomUUID().toString());
        if (answer.statusCode() != 202) {
            throw new IllegalStateException("Submission answered " + answer.statusCode() + ": " + answer.body());
        }
        String jobUrl = url + "/" + field(answer.body(), "jobId");
        figures.put("job", "INVITE_USERS 100 e-mails x 5,000 accounts (500,000 tasks), running during the polls");
        // Poll while the worker applies the job, not while the gateway still stores it.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline && field(get(jobUrl, null).body(), "status").equals("QUEUED")) {
            Thread.sleep(100);
        }
        for (boolean saturate : List.of(false, true)) {
            for (boolean conditional : List.of(false, true)) {
                // How fast the job went while polled: polls of a job the stack applies at full speed
                // and of one it barely moves are not the same measurement.
                // PostgreSQL's autovacuum, sampled as during the jobs, is one thing that slows it. The
                // JVMs' memory is not sampled here: a scrape of every JVM each second (about 340 KB of
                // metrics text to write and to read) is load that neither a poller nor a monitoring
                // system scraping every 15 s would add, and the phases do not report memory.
                MemorySampler sampler = new MemorySampler(List.of());
                sampler.start();
                long endedBefore = endedTasks(get(jobUrl, null).body());
                long start = System.nanoTime();
                Map<String, Object> phase = pollPhase(jobUrl, saturate, conditional);
                String status = get(jobUrl, null).body();
                double seconds = (System.nanoTime() - start) / 1e9;
                sampler.stop();
                phase.put("jobRunningAtEnd", !isTerminal(field(status, "status")));
                phase.put("jobTasksPerSecond", (endedTasks(status) - endedBefore) / seconds);
                phase.put("autovacuumSeconds", sampler.figures().get("autovacuumSeconds"));
                phases.add(phase);
                log("  " + phase);
            }
        }
    }

    /** One scrape of each service JVM's metrics, by JVM name; a JVM that does not answer is left out. */
    Map<String, String> scrapes() {
        Map<String, String> scrapes = new LinkedHashMap<>();
        for (Jvm jvm : jvms) {
            if (jvm.metricsUrl() != null) {
                try {
                    scrapes.put(jvm.name(), get(jvm.metricsUrl() + "/actuator/prometheus", null).body());
                } catch (Exception ignored) {
                    // left out
                }
            }
        }
        return scrapes;
    }

    /**
     * Each JVM's garbage collection pauses so far (stop-the-world only, from its {@code
     * jvm_gc_pause_seconds} timer): count and seconds in all; and the bytes allocated, as the collections
     * counted them ({@code jvm_gc_memory_allocated_bytes_total}).
     */
    static Map<String, double[]> gcPauses(Map<String, String> scrapes) {
        Map<String, double[]> pauses = new LinkedHashMap<>();
        scrapes.forEach((name, metrics) -> pauses.put(name, new double[] {
            sum(metrics, "jvm_gc_pause_seconds_count", ""),
            sum(metrics, "jvm_gc_pause_seconds_sum", ""),
            sum(metrics, "jvm_gc_memory_allocated_bytes_total", "")
        }));
        return pauses;
    }

    /**
     * The gateway's status answers so far by where they came from ({@code bulk_job_status_polls_total}:
     * memory, late, database, joined), and its reads ahead: how many and their seconds in all.
     */
    Map<String, Double> statusAnswers(Map<String, String> scrapes) {
        Map<String, Double> figures = new LinkedHashMap<>();
        String metrics = gatewayMetrics(scrapes);
        if (metrics != null) {
            for (String answer : List.of("memory", "late", "database", "joined")) {
                figures.put(answer, sum(metrics, "bulk_job_status_polls_total", "answer=\"" + answer + "\""));
            }
            figures.put("readsAhead", sum(metrics, "bulk_job_status_read_ahead_seconds_count", ""));
            figures.put("readAheadSeconds", sum(metrics, "bulk_job_status_read_ahead_seconds_sum", ""));
        }
        return figures;
    }

    /** The scrape of the JVM that answers the polls, the api-gateway's; null if there is none. */
    String gatewayMetrics(Map<String, String> scrapes) {
        return jvms.stream()
                .filter(jvm -> gateway.equals(jvm.metricsUrl()))
                .map(jvm -> scrapes.get(jvm.name()))
                .findFirst()
                .orElse(null);
    }

    /**
     * The status polls' time inside the gateway, from its {@code http_server_requests_seconds}
     * histogram (published only when the stack runs with
     * {@code management.metrics.distribution.percentiles-histogram.http.server.requests=true}; null
     * otherwise): from the request's observation, which starts in the first filter, to the answer
     * written. The client's latency less this is the wait outside the gateway's handling: for a
     * Tomcat thread to take the request and hand it on, for a core, and the client's own side.
     * Percentiles are bucket bounds in milliseconds.
     */
    static Map<String, Object> serverLatency(String before, String after) {
        TreeMap<Double, Double> end = statusBuckets(after);
        if (end.isEmpty()) {
            return null;
        }
        TreeMap<Double, Double> start = statusBuckets(before);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("count", end.lastEntry().getValue() - start.getOrDefault(end.lastKey(), 0.0));
        // max: the bucket of the slowest, to tell a stall of fewer polls than the p99 counts inside the
        // gateway from one outside it.
        for (Map.Entry<String, Double> quantile : Map.of("p50", 0.5, "p99", 0.99, "max", 1.0).entrySet()) {
            Double bound = boundMillis(start, end, quantile.getValue());
            if (bound != null) {
                figures.put(quantile.getKey(), bound);
            }
        }
        return figures;
    }

    /**
     * The upper bound, in milliseconds, of the first bucket that holds {@code fraction} of what a
     * histogram counted between two readings of its cumulative buckets; null when it counted nothing.
     */
    static Double boundMillis(TreeMap<Double, Double> start, TreeMap<Double, Double> end, double fraction) {
        if (end.isEmpty()) {
            return null;
        }
        double total = end.lastEntry().getValue() - start.getOrDefault(end.lastKey(), 0.0);
        if (total == 0) {
            return null;
        }
        for (Map.Entry<Double, Double> bucket : end.entrySet()) {
            if (bucket.getValue() - start.getOrDefault(bucket.getKey(), 0.0) >= fraction * total) {
                return bucket.getKey() * 1000;
            }
        }
        return null;
    }

    /**
     * The upper bound, in milliseconds, of the histogram bucket that holds the slowest read ahead of the
     * polled jobs between two scrapes of the gateway ({@code bulk_job_status_read_ahead_seconds}); null
     * when none ran. A read ahead slower than the longest age ({@code status-max-age}) makes polls wait
     * for the database.
     */
    static Double slowestReadAhead(String before, String after) {
        String name = "bulk_job_status_read_ahead_seconds_bucket";
        return boundMillis(buckets(before, name, labels -> true), buckets(after, name, labels -> true), 1.0);
    }

    /** The status polls' cumulative bucket counts by upper bound in seconds, summed over their tags. */
    static TreeMap<Double, Double> statusBuckets(String metrics) {
        return buckets(
                metrics,
                "http_server_requests_seconds_bucket",
                labels -> labels.contains("/bulk-jobs/{jobId}\"") && labels.contains("method=\"GET\""));
    }

    /** A histogram's cumulative bucket counts by upper bound in seconds, summed over the label sets taken. */
    static TreeMap<Double, Double> buckets(String metrics, String name, Predicate<String> takeLabels) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        if (metrics == null) {
            return buckets;
        }
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{(.*)\\} (\\S+)$").matcher(metrics);
        while (line.find()) {
            String labels = line.group(1);
            Matcher bound = Pattern.compile("le=\"([^\"]+)\"").matcher(labels);
            if (takeLabels.test(labels) && bound.find()) {
                double le = bound.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound.group(1));
                buckets.merge(le, Double.parseDouble(line.group(2)), Double::sum);
            }
        }
        return buckets;
    }

    /**
     * Whether each JVM collected its old generation while each job ran: its full collections and the
     * pauses of its concurrent old-generation cycles, or that none did; empty for results without them.
     */
    static String oldCollections(List<Map<String, Object>> jobs, List<String> names) {
        List<String> lines = new ArrayList<>();
        boolean measured = false;
        for (Map<String, Object> job : jobs) {
            Map<?, ?> perJvm = (Map<?, ?>) ((Map<?, ?>) job.get("memory")).get("jvms");
            List<String> parts = new ArrayList<>();
            for (String name : names) {
                if (((Map<?, ?>) perJvm.get(name)).get("oldCollections") instanceof Map<?, ?> old) {
                    measured = true;
                    long full = ((Number) old.get("full")).longValue();
                    long concurrent = ((Number) old.get("concurrentCyclePauses")).longValue();
                    if (full > 0 || concurrent > 0) {
                        parts.add(name + " " + full + " full, " + concurrent + " concurrent-cycle pauses");
                    }
                }
            }
            if (!parts.isEmpty()) {
                lines.add("- " + job.get("job") + ": " + String.join("; ", parts) + "\n");
            }
        }
        if (!measured) {
            return "";
        }
        String heading = "\nOld-generation collections while each job ran (full collections: jvm_gc_pause_seconds_count"
                + " with action \"end of major GC\", \"G1 Old Generation\" with G1; the pauses of concurrent"
                + " old-generation cycles: jvm_gc_concurrent_phase_time_seconds_count, with G1 \"G1 Concurrent GC\","
                + " the Remark and Cleanup of each concurrent marking, after which its mixed collections clear old"
                + " regions)";
        return lines.isEmpty()
                ? heading + ": none in any JVM in any job.\n"
                : heading + ":\n\n" + String.join("", lines);
    }

    /** Each JVM's peak heap used, live heap after a collection and resident set while each job ran. */
    String memoryTable(List<Map<String, Object>> jobs) {
        List<String> names = jvmNames();
        StringBuilder md = new StringBuilder("Memory per JVM while each job ran, in MiB: peak heap used / the largest"
                + " old generation left by a collection that set the JVM's live-data gauge during the job (a full"
                + " collection, or any that shrank the old generation, a young one included; - when none set it)"
                + " / peak resident set:\n\n| job |");
        names.forEach(name -> md.append(" ").append(name).append(" |"));
        md.append("\n| --- |").append(" ---: |".repeat(names.size())).append("\n");
        for (Map<String, Object> job : jobs) {
            Map<?, ?> perJvm = (Map<?, ?>) ((Map<?, ?>) job.get("memory")).get("jvms");
            md.append("| ").append(job.get("job")).append(" |");
            for (String name : names) {
                Map<?, ?> memory = (Map<?, ?>) perJvm.get(name);
                if (memory.containsKey("peakHeapMiB")) {
                    Object live = memory.get("peakLiveHeapMiB");
                    md.append(" ").append(memory.get("peakHeapMiB")).append(" / ");
                    md.append(live == null ? "-" : live).append(" / ");
                } else {
                    md.append(" (RSS only) ");
                }
                md.append(memory.get("peakRssMiB")).append(" |");
            }
            md.append("\n");
        }
        md.append(oldCollections(jobs, names));
        md.append("\nAllocated per task while each job ran, KiB (as the young collections counted it: what they had to"
                + " clear):\n\n| job |");
        names.forEach(name -> md.append(" ").append(name).append(" |"));
        md.append("\n| --- |").append(" ---: |".repeat(names.size())).append("\n");
        for (Map<String, Object> job : jobs) {
            Map<?, ?> perJvm = (Map<?, ?>) ((Map<?, ?>) job.get("memory")).get("jvms");
            double tasks = ((Number) job.get("tasks")).doubleValue();
            md.append("| ").append(job.get("job")).append(" |");
            for (String name : names) {
                Object allocated = ((Map<?, ?>) perJvm.get(name)).get("allocatedMiB");
                md.append(" ")
                        .append(allocated == null
                                ? "-"
                                : String.format(Locale.ROOT, "%.1f", ((Number) allocated).doubleValue() * 1024 / tasks))
                        .append(" |");
            }
            md.append("\n");
        }
        return md.append("\n").toString();
    }

    /** What autovacuum was seen at and for how many one-second samples, e.g. {@code VACUUM x (3 s)}. */
    static String autovacuumSeen(Map<?, ?> seen) {
        List<String> parts = new ArrayList<>();
        seen.forEach((what, samples) -> parts.add(what + " (" + samples + " s)"));
        return String.join(", ", parts);
    }

    /** The tasks of a job status that are no longer pending. */
    static long endedTasks(String status) {
        return Long.parseLong(number(status, "total")) - Long.parseLong(number(status, "pending"));
    }

    /**
     * Waits until no autovacuum worker of PostgreSQL is busy, at most {@code maxNanos}, and answers how
     * long it waited and the tables it saw them busy with.
     */
    Map<String, Object> waitForAutovacuum(long maxNanos) throws Exception {
        long start = System.nanoTime();
        Set<String> tables = new TreeSet<>();
        boolean busy = true;
        while (busy && System.nanoTime() - start < maxNanos) {
            List<String> working = autovacuumWork(db);
            tables.addAll(working);
            busy = !working.isEmpty();
            if (busy) {
                Thread.sleep(500);
            }
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("waitedSeconds", (System.nanoTime() - start) / 1e9);
        figures.put("tables", List.copyOf(tables));
        figures.put("stillBusy", busy);
        if (!tables.isEmpty()) {
            log("  waited " + s((System.nanoTime() - start) / 1e9) + " for autovacuum: " + tables);
        }
        return figures;
    }

    /** What PostgreSQL's autovacuum workers are busy with now, e.g. "VACUUM ANALYZE jobs.bulk_tasks". */
    static List<String> autovacuumWork(Connection connection) throws SQLException {
        List<String> work = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT query FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")) {
            while (rows.next()) {
                work.add(rows.getString(1) == null ? "?" : rows.getString(1).replace("autovacuum: ", ""));
            }
        }
        return work;
    }

    /**
     * Unmeasured saturation rounds of 5 s, with and without {@code If-None-Match} in turn, until two
     * rounds in a row use no less than 90 % of the local stack's lowest CPU per answer so far (at most
     * 12 rounds): the JIT compiles the poll path meanwhile, and on a slow machine that takes far longer
     * than one round; its compilations would otherwise count as CPU per answer and as latency.
     */
    Map<String, Object> warmUpPolls(String jobUrl) throws Exception {
        long start = System.nanoTime();
        List<Long> cpuPerAnswer = new ArrayList<>();
        double best = Double.MAX_VALUE;
        int steady = 0;
        for (int round = 0; round < 12 && steady < 2; round++) {
            Map<String, Object> phase = pollPhase(jobUrl, true, round % 2 == 1, 5);
            double cpu = (Double) phase.get("stackCpuMicrosPerAnswer");
            cpuPerAnswer.add(Math.round(cpu));
            steady = cpu > best * 0.9 ? steady + 1 : 0;
            best = Math.min(best, cpu);
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("seconds", (System.nanoTime() - start) / 1e9);
        figures.put("stackCpuMicrosPerAnswerByRound", cpuPerAnswer);
        log("  warm-up: " + figures);
        return figures;
    }

    Map<String, Object> pollPhase(String jobUrl, boolean saturate, boolean conditional) throws Exception {
        return pollPhase(jobUrl, saturate, conditional, options.pollSeconds);
    }

    Map<String, Object> pollPhase(String jobUrl, boolean saturate, boolean conditional, int seconds)
            throws Exception {
        int clients = 100;
        long phaseNanos = TimeUnit.SECONDS.toNanos(seconds);
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(500); // 100 clients x 2/s = 200/s
        AtomicLong ok = new AtomicLong();
        AtomicLong notModified = new AtomicLong();
        AtomicLong other = new AtomicLong();
        AtomicLong reconnects = new AtomicLong();
        // A second before the clock starts: each client opens its connection, has one answer, then
        // polls as in the phase without counting, so that the clock starts on the phase's steady
        // state (at 200/s, polls a second apart would each find the gateway's short-lived status
        // answer expired, which a client polling every 500 ms among 100 never does).
        long warmUp = TimeUnit.SECONDS.toNanos(1);
        long start = System.nanoTime() + warmUp;
        Instant startedAt = Instant.now().plusNanos(start - System.nanoTime());
        long end = start + phaseNanos;
        // Each client's polls: when each one's clock started (nanoseconds after the phase's clock's
        // start: at 200/s its due time, at saturation when it was sent) and how long it took from then.
        List<List<long[]>> perClient = new ArrayList<>();
        URI uri = URI.create(jobUrl);
        // The CPU used from the clock's start: the warm-up's answers are not counted either.
        CompletableFuture<CpuTime> cpuBefore = new CompletableFuture<>();
        CompletableFuture<Long> clientCpuBefore = new CompletableFuture<>();
        // The JVMs' metrics (pauses, the gateway's answers by source), from the clock's start too.
        CompletableFuture<Map<String, String>> scrapesBefore = new CompletableFuture<>();
        CompletableFuture<Map<String, double[]>> throttlingBefore = new CompletableFuture<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            threads.submit(() -> {
                long wait = start - System.nanoTime();
                Thread.sleep(Math.max(0, wait / 1_000_000), (int) Math.max(0, wait % 1_000_000));
                cpuBefore.complete(CpuTime.now(jvmPids(), postmasterPid()));
                clientCpuBefore.complete(ownCpuNanos());
                scrapesBefore.complete(scrapes());
                throttlingBefore.complete(cpuGroups.throttling());
                return null;
            });
            for (int c = 0; c < clients; c++) {
                List<long[]> mine = new ArrayList<>();
                perClient.add(mine);
                long offset = intervalNanos * c / clients;
                threads.submit(() -> {
                    String etag = null;
                    long next = start - warmUp + offset;
                    PollConnection connection = new PollConnection(uri, token);
                    // The clients are steady pollers: a new connection's first answer (the TCP
                    // handshake, the server's accept and its first read on the connection) is not
                    // measured as a poll.
                    try {
                        etag = connection.get(null).etag();
                    } catch (IOException ex) {
                        connection.close();
                    }
                    while (true) {
                        if (saturate ? System.nanoTime() >= end : next >= end) {
                            // At 200/s, its next slot is after the phase: sleeping until then would stretch
                            // the phase's clock by up to an interval and lower every rate it reports.
                            connection.close();
                            return null;
                        }
                        // The gateway's Tomcat closes a keep-alive connection after 100 requests
                        // (server.tomcat.max-keep-alive-requests): the next one is opened here, before
                        // the poll's clock starts, as a steady poller's handshake is not a poll's time
                        // (at 200/s unless the client is already late for its slot: that poll's time
                        // counts from the slot, whatever delayed it).
                        try {
                            if (connection.connect() && System.nanoTime() >= start) {
                                reconnects.incrementAndGet();
                            }
                        } catch (IOException ex) {
                            // The poll tries again, and counts its failure.
                        }
                        // When the poll's clock starts. At 200/s its slot's due time, even when the
                        // client sends it late (still waiting for its previous answer): a stall then
                        // counts in every poll it delays, and a slot due before the phase's end is
                        // polled and counted however late. At saturation, when it is sent.
                        long due;
                        if (saturate) {
                            due = System.nanoTime();
                            if (due >= end) {
                                connection.close();
                                return null;
                            }
                        } else {
                            due = next;
                            next += intervalNanos;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                        PollConnection.Answer answer;
                        try {
                            answer = connection.get(conditional ? etag : null);
                        } catch (IOException ex) {
                            connection.close();
                            if (due >= start) {
                                other.incrementAndGet();
                            }
                            continue;
                        }
                        long took = System.nanoTime() - due;
                        if (due >= start) {
                            mine.add(new long[] {due - start, took});
                            switch (answer.status()) {
                                case 200 -> ok.incrementAndGet();
                                case 304 -> notModified.incrementAndGet();
                                default -> other.incrementAndGet();
                            }
                        }
                        if (answer.etag() != null) {
                            etag = answer.etag();
                        }
                    }
                });
            }
        }
        double elapsed = seconds(Math.max(System.nanoTime(), end) - start);
        CpuTime cpu = CpuTime.now(jvmPids(), postmasterPid()).minus(cpuBefore.join());
        double clientCpu = (ownCpuNanos() - clientCpuBefore.join()) / 1e9;
        Map<String, String> scrapesAfter = scrapes();
        Map<String, double[]> throttlingAfter = cpuGroups.throttling();
        List<long[]> polls = perClient.stream().flatMap(List::stream).toList();
        List<Double> millis = new ArrayList<>(polls.size());
        for (long[] poll : polls) {
            millis.add(poll[1] / 1e6);
        }
        Map<String, Object> phase = new LinkedHashMap<>();
        phase.put("load", saturate ? "saturation" : "200/s");
        phase.put("ifNoneMatch", conditional);
        phase.put("answersPerSecond", millis.size() / elapsed);
        phase.put("okPerSecond", ok.get() / elapsed);
        phase.put("notModifiedPerSecond", notModified.get() / elapsed);
        phase.put("otherAnswers", other.get());
        // Connections opened again after the server closed them (outside the polls' times).
        phase.put("reconnects", reconnects.get());
        phase.put("latencyMillis", percentiles(millis));
        // At 200/s from each poll's due time, so that a poll a stall delayed counts the delay.
        phase.put("latencyFrom", saturate ? "sent" : "due");
        phase.put("stalls", stalls(polls, startedAt));
        // CPU per answer: the local stack's JVM (during a running job it includes the job's work, so
        // only the finished-job phases show what a poll costs the gateway) and this client.
        int answers = Math.max(1, millis.size());
        phase.put("stackCpuMicrosPerAnswer", cpu.stack() * 1e6 / answers);
        phase.put("postgresCpuMicrosPerAnswer", cpu.postgres() * 1e6 / answers);
        phase.put("clientCpuMicrosPerAnswer", clientCpu * 1e6 / answers);
        phase.put("clientCores", clientCpu / elapsed);
        // What stopped each JVM meanwhile: a poll caught by a pause of the gateway waits for it.
        Map<String, double[]> pausesBefore = gcPauses(scrapesBefore.join());
        Map<String, Object> pauses = new LinkedHashMap<>();
        gcPauses(scrapesAfter).forEach((name, after) -> {
            double[] before = pausesBefore.getOrDefault(name, new double[3]);
            pauses.put(name, Map.of(
                    "count", Math.round(after[0] - before[0]),
                    "totalMillis", (after[1] - before[1]) * 1000,
                    "allocatedMiB", (after[2] - before[2]) / 1024 / 1024));
        });
        phase.put("gcPauses", pauses);
        // What the CPU limits (--cpu-max) held back meanwhile.
        Map<String, Object> throttled = new LinkedHashMap<>();
        throttlingAfter.forEach((name, after) -> {
            double[] before = throttlingBefore.join().getOrDefault(name, new double[2]);
            throttled.put(name, Map.of("periods", Math.round(after[0] - before[0]), "millis", after[1] - before[1]));
        });
        if (!throttled.isEmpty()) {
            phase.put("throttled", throttled);
        }
        // Where the gateway's answers came from: polls that waited for the database.
        Map<String, Double> answersBefore = statusAnswers(scrapesBefore.join());
        Map<String, Object> sources = new LinkedHashMap<>();
        statusAnswers(scrapesAfter).forEach((name, after) -> sources.put(name, after - answersBefore.getOrDefault(name, 0.0)));
        Double slowest = slowestReadAhead(gatewayMetrics(scrapesBefore.join()), gatewayMetrics(scrapesAfter));
        if (slowest != null) {
            sources.put("slowestReadAheadMillis", slowest);
        }
        phase.put("statusAnswers", sources);
        Map<String, Object> server = serverLatency(gatewayMetrics(scrapesBefore.join()), gatewayMetrics(scrapesAfter));
        if (server != null) {
            phase.put("serverLatencyMillis", server);
        }
        return phase;
    }

    static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * One poller's HTTP/1.1 keep-alive connection, written by hand: the JDK's HttpClient took about
     * three times the gateway's CPU per answer (a shared selector thread, futures, header maps), so at
     * saturation on the same 2 cores it measured the client more than the server. This one costs a
     * fraction of an answer's server CPU. When the server closes the connection (Tomcat does after
     * 100 requests on one), the poller opens the next with {@link #connect()} before its next poll's
     * clock starts.
     */
    static final class PollConnection {

        record Answer(int status, String etag) {}

        private final URI uri;

        private final byte[] head;

        private java.net.Socket socket;

        private java.io.InputStream in;

        private java.io.OutputStream out;

        PollConnection(URI uri, String token) {
            this.uri = uri;
            this.head = ("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                            + "\r\nAccept: application/json\r\nAuthorization: Bearer " + token + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
        }

        /**
         * Opens the connection if it is not open (the server closed it, or it never was): a poller
         * calls it before its poll's clock starts, so that the handshake is not in the poll's time.
         *
         * @return whether it opened one
         */
        boolean connect() throws IOException {
            if (socket != null) {
                return false;
            }
            java.net.Socket opened = new java.net.Socket(uri.getHost(), uri.getPort());
            opened.setTcpNoDelay(true);
            opened.setSoTimeout(30_000);
            in = new java.io.BufferedInputStream(opened.getInputStream(), 8192);
            out = opened.getOutputStream();
            socket = opened;
            return true;
        }

        Answer get(String ifNoneMatch) throws IOException {
            connect();
            String tail = (ifNoneMatch == null ? "" : "If-None-Match: " + ifNoneMatch + "\r\n") + "\r\n";
            byte[] extra = tail.getBytes(StandardCharsets.ISO_8859_1);
            byte[] request = Arrays.copyOf(head, head.length + extra.length);
            System.arraycopy(extra, 0, request, head.length, extra.length);
            out.write(request);
            out.flush();
            String statusLine = line();
            if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.1 ")) {
                throw new IOException("Not an HTTP/1.1 answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = 0;
            boolean chunked = false;
            boolean close = false;
            String etag = null;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> close = value.equalsIgnoreCase("close");
                    case "etag" -> etag = value;
                    default -> {}
                }
            }
            if (status == 304 || status == 204 || status / 100 == 1) {
                // No body, whatever Content-Length says (RFC 9112, section 6.3).
            } else if (chunked) {
                for (long size = Long.parseLong(line().trim(), 16); ; size = Long.parseLong(line().trim(), 16)) {
                    in.skipNBytes(size);
                    line();
                    if (size == 0) {
                        break;
                    }
                }
            } else {
                in.skipNBytes(length);
            }
            if (close) {
                close();
            }
            return new Answer(status, etag);
        }

        void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new java.io.EOFException("The server closed the connection");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    // ---------------------------------------------------------------- facts

    Map<String, Object> machine() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("cores", Runtime.getRuntime().availableProcessors());
        facts.put("cpu", firstMatch(Path.of("/proc/cpuinfo"), "model name\\s*:\\s*(.+)"));
        String memKb = firstMatch(Path.of("/proc/meminfo"), "MemTotal:\\s*(\\d+) kB");
        facts.put("memoryGiB", memKb == null ? null : Math.round(Long.parseLong(memKb) / 1024.0 / 1024.0 * 10) / 10.0);
        facts.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        facts.put("jvm", System.getProperty("java.vm.name") + " " + Runtime.version());
        facts.put("commit", git("rev-parse", "--short", "HEAD"));
        facts.put("uncommittedChanges", !git("status", "--porcelain", "--untracked-files=no").isBlank());
        return facts;
    }

    Map<String, Object> postgresFacts() throws SQLException {
        Map<String, Object> facts = new LinkedHashMap<>();
        try (Statement query = db.createStatement()) {
            for (String setting : List.of("server_version", "fsync", "synchronous_commit", "full_page_writes",
                    "shared_buffers", "max_connections")) {
                try (ResultSet row = query.executeQuery("SELECT current_setting('" + setting + "')")) {
                    row.next();
                    facts.put(setting, row.getString(1));
                }
            }
        }
        return facts;
    }

    Map<String, Object> ratios() {
        Map<String, Object> ratios = new LinkedHashMap<>();
        if (!(results.get("raw") instanceof Map<?, ?> raw) || !(raw.get("upsert") instanceof Map<?, ?> upsert)) {
            return ratios;
        }
        // The raw limit's mean of its batched insert and update rows/s (both passes' rows over their time).
        double rows = (double) upsert.get("rowsPerSecond");
        ratios.put("rawUpsertRowsPerSecond", rows);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) results.getOrDefault("jobs", List.of());
        for (Map<String, Object> job : jobs) {
            ratios.put(String.valueOf(job.get("job")), (double) job.get("tasksPerSecondOverall") / rows);
        }
        return ratios;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException ex) {
            return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    static String git(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of("git"));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
            return out;
        } catch (Exception ex) {
            return "";
        }
    }

    /** The file's text, or nothing when it cannot be read (a process that is gone). */
    static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException ex) {
            return "";
        }
    }

    static String firstMatch(Path file, String regex) {
        try {
            Matcher matcher = Pattern.compile(regex, Pattern.MULTILINE).matcher(Files.readString(file));
            return matcher.find() ? matcher.group(1).trim() : null;
        } catch (IOException ex) {
            return null;
        }
    }

    // ---------------------------------------------------------------- report

    String markdown() {
        StringBuilder md = new StringBuilder();
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        md.append("## Benchmark ").append(results.get("run"));
        if (options.label != null) {
            md.append(": ").append(options.label);
        }
        md.append("\n\n");
        if (results.get("aborted") instanceof Map<?, ?> aborted) {
            md.append("**Aborted** during ").append(aborted.get("during")).append(": `").append(aborted.get("error"))
                    .append("`. The figures below are what was measured before it.\n\n");
        }
        md.append("Machine: ").append(machine.get("cores")).append(" cores (").append(machine.get("cpu"));
        md.append("), ").append(machine.get("memoryGiB")).append(" GiB, ").append(machine.get("jvm"));
        md.append(", commit ").append(machine.get("commit"));
        md.append(Boolean.TRUE.equals(machine.get("uncommittedChanges")) ? " (with uncommitted changes)" : "");
        md.append(". Load average at start ").append(results.get("loadAverageAtStart"));
        md.append(", at end ").append(results.get("loadAverageAtEnd")).append(" (the machine is shared).\n");
        if (results.get("postgres") instanceof Map<?, ?> pg) {
            md.append("PostgreSQL ").append(pg.get("server_version")).append(" with fsync=").append(pg.get("fsync"));
            md.append(", synchronous_commit=").append(pg.get("synchronous_commit"));
            md.append(", full_page_writes=").append(pg.get("full_page_writes")).append(".\n");
        }
        md.append("CPU groups: ").append(results.get("cpuGroups")).append(".\n");
        md.append("Local stack JVM options: `")
                .append(String.join(" ", options.stackJavaOptions()))
                .append("`.\n\n");

        if (results.get("raw") instanceof Map<?, ?> raw && raw.get("upsert") instanceof Map<?, ?> upsert) {
            md.append("| raw limit (same run, same PostgreSQL and Kafka) | per second |\n| --- | ---: |\n");
            md.append("| batched upsert rows (500 a batch and commit, one connection): insert / update / mean | ");
            md.append(n(upsert.get("insertRowsPerSecond"))).append(" / ").append(n(upsert.get("updateRowsPerSecond")));
            md.append(" / ").append(n(upsert.get("rowsPerSecond"))).append(" |\n");
            if (raw.get("kafka") instanceof Map<?, ?> kafka) {
                md.append("| Kafka produce, 300 B records (acks=all, idempotent) | ");
                md.append(n(kafka.get("produceMessagesPerSecond"))).append(" |\n");
                md.append("| Kafka consume, 300 B records (one consumer) | ");
                md.append(n(kafka.get("consumeMessagesPerSecond"))).append(" |\n");
            }
            md.append("\n");
        }
        if (results.get("preview") instanceof Map<?, ?> preview) {
            md.append("Preview of offboarding one user from 5,000 accounts, warm (20 calls): p50 ");
            md.append(ms(preview.get("p50"))).append(", p99 ").append(ms(preview.get("p99")));
            if (preview.get("stackCpuMillisPerCall") instanceof Double stackCpu
                    && preview.get("postgresCpuMillisPerCall") instanceof Double postgresCpu) {
                md.append(String.format(
                        Locale.ROOT, "; CPU per call: local stack %.1f ms, PostgreSQL %.1f ms", stackCpu, postgresCpu));
            }
            md.append(".\n\n");
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) results.getOrDefault("jobs", List.of());
        if (!jobs.isEmpty()) {
            md.append("| job | tasks | submit (of it in the gateway) | first applied | COMPLETED | tasks/s overall | tasks/s steady (10-90 %)"
                    + " | task latency p50 / p95 / p99 | all activity entries seen after COMPLETED (newest recorded_at)"
                    + " | CPU per task: local stack / PostgreSQL | e2e tasks/s / raw upsert rows/s (mean of insert and update) |\n");
            md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            @SuppressWarnings("unchecked")
            Map<String, Object> ratios = (Map<String, Object>) results.get("ratios");
            for (Map<String, Object> job : jobs) {
                Map<?, ?> latency = (Map<?, ?>) job.get("taskLatencySeconds");
                md.append("| ").append(job.get("job")).append(" | ").append(n(job.get("tasks")));
                md.append(" | ").append(s(job.get("submitSeconds")));
                if (job.get("serverSubmitSeconds") != null) {
                    md.append(" (").append(s(job.get("serverSubmitSeconds"))).append(")");
                }
                md.append(" | ").append(s(job.get("firstAppliedSeconds")));
                md.append(" | ").append(s(job.get("completedSeconds")));
                md.append(" | ").append(n(job.get("tasksPerSecondOverall")));
                // A rate of a job that did not end COMPLETED, or ended with failed tasks, says so.
                long failed = job.get("failed") instanceof Number number ? number.longValue() : 0;
                boolean completed = "COMPLETED".equals(job.get("status"));
                if (!completed || failed > 0) {
                    md.append(" (").append(completed ? "" : job.get("status"));
                    md.append(!completed && failed > 0 ? ", " : "").append(failed > 0 ? n(failed) + " failed" : "");
                    md.append(")");
                }
                md.append(" | ").append(n(job.get("tasksPerSecondSteady")));
                md.append(" | ").append(s(latency.get("p50"))).append(" / ").append(s(latency.get("p95")));
                md.append(" / ").append(s(latency.get("p99")));
                long missing = job.get("activityEntriesMissing") instanceof Number number ? number.longValue() : 0;
                if (missing > 0) {
                    md.append(" | missing ").append(n(missing));
                } else {
                    // Seen by the client (an upper bound), then the newest entry's recorded_at (the start
                    // of the audit-consumer's transaction, before the entry was readable: a lower bound).
                    md.append(" | ").append(s(job.get("activityObservedAfterCompletedSeconds")));
                    md.append(" (").append(s(job.get("activityAfterCompletedSeconds"))).append(")");
                }
                md.append(" | ");
                Map<?, ?> cpu = (Map<?, ?>) job.get("cpu");
                md.append(String.format(Locale.ROOT, "%.0f / %.0f µs", (double) cpu.get("stackMicrosPerTask"),
                        (double) cpu.get("postgresMicrosPerTask")));
                md.append(" | ");
                Object ratio = ratios == null ? null : ratios.get(String.valueOf(job.get("job")));
                md.append(ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", (double) ratio)).append(" |\n");
            }
            md.append("\n");
            md.append(memoryTable(jobs));
            StringBuilder vacuums = new StringBuilder();
            for (Map<String, Object> job : jobs) {
                Map<?, ?> seen = (Map<?, ?>) ((Map<?, ?>) job.get("memory")).get("autovacuumSeconds");
                if (seen != null && !seen.isEmpty()) {
                    vacuums.append("- ").append(job.get("job")).append(": ").append(autovacuumSeen(seen)).append("\n");
                }
            }
            if (!vacuums.isEmpty()) {
                md.append("PostgreSQL's autovacuum at work while a job ran (sampled every second; its CPU is in the job's):\n\n");
                md.append(vacuums).append("\n");
            }
        }
        if (results.get("polls") instanceof Map<?, ?> polls
                && polls.get("phases") instanceof List<?> phases
                && !phases.isEmpty()) {
            md.append("Status polls by 100 clients (")
                    .append(polls.get("job") != null ? polls.get("job") : "a finished job")
                    .append("):\n\n");
            if (polls.get("autovacuumBefore") instanceof Map<?, ?> vacuum && !((List<?>) vacuum.get("tables")).isEmpty()) {
                md.append("Before them, the benchmark waited ").append(s(vacuum.get("waitedSeconds")))
                        .append(" for PostgreSQL's autovacuum to finish with ")
                        .append(String.join(", ", ((List<?>) vacuum.get("tables")).stream().map(String::valueOf).toList()))
                        .append(Boolean.TRUE.equals(vacuum.get("stillBusy")) ? " (and stopped waiting; it was still busy)" : "")
                        .append(".\n\n");
            }
            if (polls.get("warmUp") instanceof Map<?, ?> warmUp) {
                md.append("The poll path was warmed up for ").append(s(warmUp.get("seconds")))
                        .append(" of unmeasured saturation first (the local stack's CPU per answer by 5-s round, µs: ")
                        .append(String.join(", ", ((List<?>) warmUp.get("stackCpuMicrosPerAnswerByRound")).stream()
                                .map(String::valueOf).toList()))
                        .append(").\n\n");
            }
            md.append("| load | If-None-Match | answers/s | 200/s | 304/s | p50 | p99 | job running at end"
                    + " | job's tasks/s meanwhile | CPU per answer: local stack / client |\n");
            md.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
            for (Object item : phases) {
                Map<?, ?> phase = (Map<?, ?>) item;
                Map<?, ?> latency = (Map<?, ?>) phase.get("latencyMillis");
                md.append("| ").append(phase.get("load")).append(" | ").append(Boolean.TRUE.equals(phase.get("ifNoneMatch")) ? "yes" : "no");
                md.append(" | ").append(n(phase.get("answersPerSecond")));
                md.append(" | ").append(n(phase.get("okPerSecond")));
                md.append(" | ").append(n(phase.get("notModifiedPerSecond")));
                md.append(" | ").append(ms(latency.get("p50"))).append(" | ").append(ms(latency.get("p99")));
                md.append(" | ").append(phase.get("note") != null ? "(a finished job)"
                        : Boolean.TRUE.equals(phase.get("jobRunningAtEnd")) ? "yes" : "no");
                md.append(" | ").append(phase.get("jobTasksPerSecond") == null ? "" : n(phase.get("jobTasksPerSecond")));
                md.append(" | ");
                if (phase.get("note") != null && phase.get("stackCpuMicrosPerAnswer") instanceof Double stackCpu) {
                    md.append(String.format(Locale.ROOT, "%.0f", stackCpu));
                } else {
                    md.append("(with the job)");
                }
                if (phase.get("clientCpuMicrosPerAnswer") instanceof Double clientCpu) {
                    md.append(String.format(Locale.ROOT, " / %.0f µs", clientCpu));
                }
                md.append(" |\n");
            }
            md.append("\n");
            if (phases.stream().anyMatch(item -> "due".equals(((Map<?, ?>) item).get("latencyFrom")))) {
                md.append("At 200/s a poll's latency counts from the time it was due (its client's slot, every 500 ms),"
                        + " not from when it was sent: a poll sent late, its client still waiting for the answer before,"
                        + " counts that wait, and every slot due before the phase's end is polled and counted. At"
                        + " saturation each client polls again as soon as it has its answer, and a poll's latency counts"
                        + " from its sending.\n\n");
            }
            for (Object item : phases) {
                Map<?, ?> phase = (Map<?, ?>) item;
                String during = "during the phase at " + phase.get("load")
                        + (Boolean.TRUE.equals(phase.get("ifNoneMatch")) ? " with" : " without") + " If-None-Match";
                if (phase.get("statusAnswers") instanceof Map<?, ?> sources && sources.get("memory") != null) {
                    double reads = ((Number) sources.get("readsAhead")).doubleValue();
                    md.append("- the gateway's answers ").append(during)
                            .append(String.format(Locale.ROOT,
                                    ": %.0f from memory, %.0f of them late (past the time to live:"
                                            + " the read ahead late, or the polls paused), %.0f read from the database, %.0f waiting for"
                                            + " another poll's read; %.0f reads ahead, %.1f ms on average%s%n",
                                    ((Number) sources.get("memory")).doubleValue()
                                            + ((Number) sources.get("late")).doubleValue(),
                                    ((Number) sources.get("late")).doubleValue(),
                                    ((Number) sources.get("database")).doubleValue(),
                                    ((Number) sources.get("joined")).doubleValue(),
                                    reads,
                                    reads == 0 ? 0 : ((Number) sources.get("readAheadSeconds")).doubleValue() * 1000 / reads,
                                    sources.get("slowestReadAheadMillis") instanceof Number slowest
                                            ? String.format(Locale.ROOT, ", the slowest at most %.0f ms", slowest.doubleValue())
                                            : ""));
                }
                if (phase.get("serverLatencyMillis") instanceof Map<?, ?> server && server.get("p99") != null) {
                    md.append("- inside the gateway (its request timer's histogram, bucket bounds) ").append(during)
                            .append(String.format(Locale.ROOT, ": %.0f polls, p50 %.1f ms, p99 %.1f ms, the slowest at most %.1f ms%n",
                                    ((Number) server.get("count")).doubleValue(),
                                    ((Number) server.get("p50")).doubleValue(),
                                    ((Number) server.get("p99")).doubleValue(),
                                    server.get("max") instanceof Number max ? max.doubleValue() : Double.NaN));
                }
                if (phase.get("stalls") instanceof List<?> stalls && !stalls.isEmpty()) {
                    List<String> parts = new ArrayList<>();
                    for (Object each : stalls) {
                        Map<?, ?> stall = (Map<?, ?>) each;
                        parts.add(String.format(Locale.ROOT, "%s (%d, up to %.1f ms)",
                                stall.get("at").toString().replaceFirst("^.*T", "").replaceFirst("Z$", ""),
                                ((Number) stall.get("polls")).longValue(),
                                ((Number) stall.get("longestMillis")).doubleValue()));
                    }
                    md.append("- the polls slower than the p99 ").append(during)
                            .append(", by stall (polls in flight together; UTC, polls): ")
                            .append(String.join(", ", parts)).append("\n");
                }
                if (phase.get("throttled") instanceof Map<?, ?> throttled) {
                    List<String> parts = new ArrayList<>();
                    throttled.forEach((name, figures) -> parts.add(String.format(Locale.ROOT, "%s %d periods of 100 ms (%.0f ms in all)",
                            name,
                            ((Number) ((Map<?, ?>) figures).get("periods")).longValue(),
                            ((Number) ((Map<?, ?>) figures).get("millis")).doubleValue())));
                    md.append("- held back by their CPU limits ").append(during)
                            .append(": ").append(String.join(", ", parts)).append("\n");
                }
                if (phase.get("gcPauses") instanceof Map<?, ?> pauses && !pauses.isEmpty()) {
                    List<String> parts = new ArrayList<>();
                    pauses.forEach((name, figures) -> {
                        Map<?, ?> pause = (Map<?, ?>) figures;
                        long count = ((Number) pause.get("count")).longValue();
                        double total = ((Number) pause.get("totalMillis")).doubleValue();
                        double allocated = ((Number) pause.get("allocatedMiB")).doubleValue();
                        parts.add(name + " " + count + (count == 0 ? "" : String.format(Locale.ROOT,
                                " (%.0f ms in all, %.1f ms on average; %.0f MiB allocated before them)",
                                total, total / count, allocated)));
                    });
                    md.append("- garbage collection pauses ").append(during)
                            .append(": ").append(String.join(", ", parts)).append("\n");
                }
                if (phase.get("reconnects") instanceof Number reconnects && reconnects.longValue() > 0) {
                    md.append("- connections the gateway closed (Tomcat does after 100 requests on one) and the clients opened again,"
                                    + " each before its next poll's clock started, ")
                            .append(during).append(": ").append(reconnects).append("\n");
                }
                if (phase.get("autovacuumSeconds") instanceof Map<?, ?> seen && !seen.isEmpty()) {
                    md.append("- autovacuum ").append(during)
                            .append(": ").append(autovacuumSeen(seen)).append("\n");
                }
            }
            md.append("\n");
        }
        md.append("Times are from the client's submission (tasks/s overall: tasks / time from submission to the"
                + " status COMPLETED seen by polling); first applied, task latency and steady rate come from the"
                + " tasks' stored applied_at (PostgreSQL's clock once the batch's rows are locked; a job with fewer than "
                + STEADY_MIN_INSTANTS + " distinct ones, a few batches, has no steady rate: -); a job that did not end"
                + " COMPLETED has its status after its rate, and its failed tasks if any; all activity entries seen after"
                + " COMPLETED: from the poll that saw the job terminal until the benchmark's count of the job's entries"
                + " (every 250 ms) first found one for each succeeded task, and in brackets the newest entry's recorded_at"
                + " minus the job's completed_at (recorded_at is the start of the audit consumer's transaction, before"
                + " the entry could be read: it understates, and can be negative); \"missing N\": N succeeded"
                + " tasks still had no activity entry when the benchmark stopped waiting for them (5 minutes); CPU per task is the CPU time"
                + " the local stack's JVMs (" + String.join(", ", jvmNames()) + ") and"
                + " PostgreSQL used while the job ran (until its last activity entry), divided by its tasks: it"
                + " depends much less on the machine's other load than the rates.\n");
        for (String note : notes) {
            md.append("\n").append(note).append("\n");
        }
        return md.toString();
    }

    static String n(Object value) {
        if (value == null) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,d", Math.round(((Number) value).doubleValue()));
    }

    static String s(Object value) {
        if (value == null) {
            return "-";
        }
        double seconds = ((Number) value).doubleValue();
        return seconds < 1
                ? String.format(Locale.ROOT, "%.0f ms", seconds * 1000)
                : String.format(Locale.ROOT, "%.2f s", seconds);
    }

    static String ms(Object value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f ms", ((Number) value).doubleValue());
    }

    // ---------------------------------------------------------------- helpers

    HttpResponse<String> post(String url, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String url, String ifNoneMatch) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The gateway's {@code bulk_job_submission_seconds} of a job type: {sum, count}. */
    double[] submissionTimer(String type) throws Exception {
        String metrics = get(gateway + "/actuator/prometheus", null).body();
        String labels = "type=\"" + type + "\"";
        List<Double> sum = samples(metrics, "bulk_job_submission_seconds_sum", labels);
        List<Double> count = samples(metrics, "bulk_job_submission_seconds_count", labels);
        return new double[] {
            sum.isEmpty() ? Double.NaN : sum.getFirst(), count.isEmpty() ? Double.NaN : count.getFirst()
        };
    }

    /** The values of a metric's samples in Prometheus text whose labels contain {@code labels}. */
    static List<Double> samples(String metrics, String name, String labels) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(labels)
                        + "[^}]*\\} (\\S+)$")
                .matcher(metrics);
        List<Double> values = new ArrayList<>();
        while (matcher.find()) {
            values.add(Double.parseDouble(matcher.group(1)));
        }
        return values;
    }

    /** The sum of a metric's samples whose labels contain {@code labels}. */
    static double sum(String metrics, String name, String labels) {
        return samples(metrics, name, labels).stream().mapToDouble(Double::doubleValue).sum();
    }

    static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!matcher.find()) {
            throw new IllegalStateException("No '" + name + "' in " + json);
        }
        return matcher.group(1);
    }

    static String number(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
        return matcher.find() ? matcher.group(1) : "";
    }

    static boolean isTerminal(String status) {
        return status.startsWith("COMPLETED") || status.equals("CANCELLED");
    }

    static String pending(String json) {
        return number(json, "pending");
    }

    static String total(String json) {
        return number(json, "total");
    }

    /**
     * The polls slower than the phase's p99, grouped into stalls: polls whose times in flight overlap
     * were held up by one thing (a collection pause, a wait for a core, a slow read), and its
     * wall-clock time lets it be matched with the JVMs' GC logs. The ten with the most polls, by time.
     *
     * @param polls each poll's time sent (nanoseconds after the clock's start) and time taken
     */
    static List<Map<String, Object>> stalls(List<long[]> polls, Instant startedAt) {
        if (polls.isEmpty()) {
            return List.of();
        }
        long[] taken = polls.stream().mapToLong(poll -> poll[1]).sorted().toArray();
        long p99 = taken[(int) Math.min(taken.length - 1, Math.ceil(taken.length * 0.99) - 1)];
        List<long[]> slow = polls.stream()
                .filter(poll -> poll[1] > p99)
                .sorted(Comparator.comparingLong(poll -> poll[0]))
                .toList();
        // Each stall: from, until (nanoseconds after the clock's start), polls, the longest.
        List<long[]> stalls = new ArrayList<>();
        for (long[] poll : slow) {
            long[] last = stalls.isEmpty() ? null : stalls.getLast();
            if (last != null && poll[0] <= last[1]) {
                last[1] = Math.max(last[1], poll[0] + poll[1]);
                last[2]++;
                last[3] = Math.max(last[3], poll[1]);
            } else {
                stalls.add(new long[] {poll[0], poll[0] + poll[1], 1, poll[1]});
            }
        }
        return stalls.stream()
                .sorted(Comparator.comparingLong((long[] stall) -> stall[2]).reversed())
                .limit(10)
                .sorted(Comparator.comparingLong(stall -> stall[0]))
                .map(stall -> {
                    Map<String, Object> figures = new LinkedHashMap<>();
                    figures.put("at", startedAt.plusNanos(stall[0]).toString());
                    figures.put("polls", stall[2]);
                    figures.put("longestMillis", stall[3] / 1e6);
                    return figures;
                })
                .toList();
    }

    static Map<String, Object> percentiles(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("count", sorted.size());
        if (sorted.isEmpty()) {
            return figures;
        }
        figures.put("min", sorted.getFirst());
        figures.put("p50", at(sorted, 0.50));
        figures.put("p95", at(sorted, 0.95));
        figures.put("p99", at(sorted, 0.99));
        figures.put("max", sorted.getLast());
        return figures;
    }

    static double at(List<Double> sorted, double quantile) {
        int index = (int) Math.ceil(quantile * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void log(String message) {
        System.out.println("[" + DateTimeFormatter.ISO_LOCAL_TIME.withZone(ZoneOffset.UTC).format(Instant.now())
                + "] " + message);
    }

    long postmasterPid() {
        String pid = firstMatch(Path.of("bench/.stack/postgres/postmaster.pid"), "\\A(\\d+)");
        return pid == null ? -1 : Long.parseLong(pid);
    }

    /**
     * CPU time used so far by the local stack's JVM and by PostgreSQL (the postmaster, its live
     * backends and the children it has reaped), from /proc, in seconds. Unlike wall-clock figures it
     * hardly depends on what else runs on the machine.
     */
    record CpuTime(double stack, double postgres) {

        static final double TICKS = 100.0;

        static CpuTime now(List<Long> stackPids, long postmasterPid) {
            double postgres = 0;
            if (postmasterPid > 0) {
                long[] own = stat(postmasterPid);
                postgres += (own[0] + own[1] + own[2] + own[3]) / TICKS;
                try (var entries = Files.list(Path.of("/proc"))) {
                    for (Path entry : entries.toList()) {
                        String name = entry.getFileName().toString();
                        if (!name.chars().allMatch(Character::isDigit)) {
                            continue;
                        }
                        long[] child = stat(Long.parseLong(name));
                        if (child[4] == postmasterPid) {
                            postgres += (child[0] + child[1]) / TICKS;
                        }
                    }
                } catch (IOException ignored) {
                    // no /proc
                }
            }
            double stack = 0;
            for (long pid : stackPids) {
                long[] jvm = stat(pid);
                stack += (jvm[0] + jvm[1]) / TICKS;
            }
            return new CpuTime(stack, postgres);
        }

        CpuTime minus(CpuTime before) {
            return new CpuTime(stack - before.stack, postgres - before.postgres);
        }

        /** utime, stime, cutime, cstime and the parent's pid; zeros when the process is gone. */
        static long[] stat(long pid) {
            try {
                String text = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
                // fields[0] is the state (field 3 of stat); ppid is field 4, utime 14 ... cstime 17.
                return new long[] {
                    Long.parseLong(fields[11]),
                    Long.parseLong(fields[12]),
                    Long.parseLong(fields[13]),
                    Long.parseLong(fields[14]),
                    Long.parseLong(fields[1])
                };
            } catch (IOException | RuntimeException ex) {
                return new long[5];
            }
        }
    }

    /**
     * Samples each of the local stack's JVMs every second: its resident set (from /proc) and its used
     * heap (from its service's Prometheus endpoint), and PostgreSQL's autovacuum workers (a scrape is
     * not free: more often, it would weigh on the figures).
     */
    final class MemorySampler {

        private final List<Jvm> jvms;

        private final Map<String, JvmMemory> memory = new LinkedHashMap<>();

        private final AtomicBoolean running = new AtomicBoolean(true);

        private final Map<String, Integer> autovacuumSamples = new ConcurrentHashMap<>();

        private Connection autovacuumDb;

        private Thread thread;

        MemorySampler(List<Jvm> jvms) {
            this.jvms = jvms;
            jvms.forEach(jvm -> memory.put(jvm.name(), new JvmMemory()));
        }

        void start() {
            thread = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    sample();
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
            sample();
            if (autovacuumDb != null) {
                try {
                    autovacuumDb.close();
                } catch (SQLException ignored) {
                    // closing anyway
                }
            }
        }

        private void sample() {
            sampleAutovacuum();
            for (Jvm jvm : jvms) {
                memory.get(jvm.name()).sample(jvm);
            }
        }

        /** PostgreSQL's autovacuum workers seen at this sample: their work runs with the job's and is in its CPU. */
        private void sampleAutovacuum() {
            try {
                if (autovacuumDb == null) {
                    autovacuumDb = DriverManager.getConnection(jdbcUrl, "postgres", dbPassword);
                }
                autovacuumWork(autovacuumDb).forEach(what -> autovacuumSamples.merge(what, 1, Integer::sum));
            } catch (SQLException ignored) {
                // a missed sample
            }
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            // Seconds (samples) in which an autovacuum worker was busy with each table.
            figures.put("autovacuumSeconds", new TreeMap<>(autovacuumSamples));
            Map<String, Object> perJvm = new LinkedHashMap<>();
            memory.forEach((name, jvm) -> perJvm.put(name, jvm.figures()));
            figures.put("jvms", perJvm);
            return figures;
        }
    }

    /** The peaks of one JVM's memory over a job. */
    final class JvmMemory {

        private volatile long peakRssKb;

        private volatile double peakHeapBytes = -1;

        private volatile double lastHeapBytes;

        /**
         * {@code jvm_gc_live_data_size_bytes} at the first sample: a gauge that keeps the old generation's
         * size after the last collection that set it, which may have run before the job. Micrometer sets
         * it after a full collection and after any collection that left the old generation smaller than
         * before, a young one included (with G1, one that frees humongous objects or a mixed one), so a
         * change of it does not tell that the old generation was collected.
         */
        private volatile double firstLiveBytes = Double.NaN;

        /** The largest value of that gauge that a collection during the job set; -1 if none changed it. */
        private volatile double peakLiveBytes = -1;

        /**
         * The JVM's full collections so far ({@code jvm_gc_pause_seconds_count} with Micrometer's action
         * "end of major GC": {@code gc="G1 Old Generation"} with G1), at the first and the last sample.
         */
        private volatile double firstFullCollections = -1;

        private volatile double lastFullCollections;

        /**
         * The pauses of its concurrent old-generation cycles so far ({@code
         * jvm_gc_concurrent_phase_time_seconds_count}: with G1, {@code gc="G1 Concurrent GC"}, the Remark
         * and the Cleanup of each concurrent marking, after which mixed collections clear old regions),
         * at the first and the last sample.
         */
        private volatile double firstConcurrentPauses = -1;

        private volatile double lastConcurrentPauses;

        /** {@code jvm_gc_memory_allocated_bytes_total} at the first and the last sample (counted at each collection). */
        private volatile double firstAllocatedBytes = -1;

        private volatile double lastAllocatedBytes;

        void sample(Jvm jvm) {
            String rss = firstMatch(Path.of("/proc/" + jvm.pid() + "/status"), "VmRSS:\\s*(\\d+) kB");
            if (rss != null) {
                peakRssKb = Math.max(peakRssKb, Long.parseLong(rss));
            }
            if (jvm.metricsUrl() == null) {
                return;
            }
            try {
                HttpResponse<String> metrics = get(jvm.metricsUrl() + "/actuator/prometheus", null);
                double heap = sum(metrics.body(), "jvm_memory_used_bytes", "area=\"heap\"");
                lastHeapBytes = heap;
                peakHeapBytes = Math.max(peakHeapBytes, heap);
                List<Double> live = samples(metrics.body(), "jvm_gc_live_data_size_bytes", "");
                if (!live.isEmpty()) {
                    double bytes = live.getFirst();
                    if (Double.isNaN(firstLiveBytes)) {
                        firstLiveBytes = bytes;
                    } else if (bytes != firstLiveBytes || peakLiveBytes >= 0) {
                        // A collection during the job set it.
                        peakLiveBytes = Math.max(peakLiveBytes, bytes);
                    }
                }
                double allocated = sum(metrics.body(), "jvm_gc_memory_allocated_bytes_total", "");
                if (firstAllocatedBytes < 0) {
                    firstAllocatedBytes = allocated;
                }
                lastAllocatedBytes = allocated;
                double full = sum(metrics.body(), "jvm_gc_pause_seconds_count", "action=\"end of major GC\"");
                if (firstFullCollections < 0) {
                    firstFullCollections = full;
                }
                lastFullCollections = full;
                double concurrent = sum(metrics.body(), "jvm_gc_concurrent_phase_time_seconds_count", "");
                if (firstConcurrentPauses < 0) {
                    firstConcurrentPauses = concurrent;
                }
                lastConcurrentPauses = concurrent;
            } catch (Exception ignored) {
                // a missed sample
            }
        }

        Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            if (peakHeapBytes >= 0) {
                figures.put("peakHeapMiB", Math.round(peakHeapBytes / 1024 / 1024));
                figures.put("heapAfterMiB", Math.round(lastHeapBytes / 1024 / 1024));
                // The largest old generation after a collection during the job that set the live-data
                // gauge (a full one, or any that shrank the old generation, a young one included); null
                // when none set it (the gauge still showed a collection from before the job).
                figures.put("peakLiveHeapMiB", peakLiveBytes < 0 ? null : Math.round(peakLiveBytes / 1024 / 1024));
                // Whether the old generation was collected during the job: full collections, and the
                // pauses of concurrent old-generation cycles (G1's Remark and Cleanup, two a marking).
                figures.put("oldCollections", Map.of(
                        "full", Math.round(lastFullCollections - Math.max(0, firstFullCollections)),
                        "concurrentCyclePauses", Math.round(lastConcurrentPauses - Math.max(0, firstConcurrentPauses))));
                // Allocated meanwhile, as the collections counted it (what the young collections had to clear).
                figures.put("allocatedMiB", Math.round((lastAllocatedBytes - Math.max(0, firstAllocatedBytes)) / 1024 / 1024));
            }
            figures.put("peakRssMiB", Math.round(peakRssKb / 1024.0));
            return figures;
        }
    }

    /** The command line. */
    static final class Options {

        String jar;

        List<String> jobs = List.of("warmup", "leaver", "offboard", "invite", "million");

        int millionEmails = 200;

        boolean raw = true;

        boolean polls = true;

        boolean preview = true;

        boolean jfr;

        boolean oneJvm;

        boolean relayJvm;

        boolean cpuGroups;

        /** Multiples of the default CPU weight, by group name (--cpu-weight). */
        final Map<String, Integer> cpuWeights = new LinkedHashMap<>();

        /** At most so many cores, by group name (--cpu-max). */
        final Map<String, Double> cpuMax = new LinkedHashMap<>();

        /** The groups that run only on CPU no other group wants (--cpu-idle). */
        final Set<String> cpuIdle = new LinkedHashSet<>();

        boolean help;

        int pollSeconds = 8;

        String label;

        List<String> defaultStackOptions = new ArrayList<>();

        List<String> stackOptions = new ArrayList<>();

        Map<String, String> env = new LinkedHashMap<>();

        static Options parse(String[] args) {
            Options options = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--jar" -> options.jar = args[++i];
                    case "--jobs" -> options.jobs = List.of(args[++i].split(","));
                    case "--million-emails" -> options.millionEmails = Integer.parseInt(args[++i]);
                    case "--no-raw" -> options.raw = false;
                    case "--no-polls" -> options.polls = false;
                    case "--no-preview" -> options.preview = false;
                    case "--poll-seconds" -> options.pollSeconds = Integer.parseInt(args[++i]);
                    case "--jfr" -> options.jfr = true;
                    case "--one-jvm" -> options.oneJvm = true;
                    case "--relay-jvm" -> options.relayJvm = true;
                    case "--cpu-groups" -> options.cpuGroups = true;
                    case "--cpu-weight" -> {
                        String[] pair = args[++i].split("=", 2);
                        int times = pair.length == 2 && pair[1].matches("[1-9][0-9]?") ? Integer.parseInt(pair[1]) : 0;
                        if (times == 0) {
                            throw new IllegalArgumentException("--cpu-weight NAME=N, N a whole number from 1 to 99");
                        }
                        options.cpuWeights.put(pair[0], times);
                    }
                    case "--cpu-max" -> {
                        String[] pair = args[++i].split("=", 2);
                        double cores = pair.length == 2 && pair[1].matches("[0-9]+(\\.[0-9]+)?") ? Double.parseDouble(pair[1]) : 0;
                        if (cores < 0.01 || cores > 64) {
                            throw new IllegalArgumentException("--cpu-max NAME=CORES, CORES a number from 0.01 to 64");
                        }
                        options.cpuMax.put(pair[0], cores);
                    }
                    case "--cpu-idle" -> options.cpuIdle.add(args[++i]);
                    case "--default-stack-option" -> options.defaultStackOptions.add(args[++i]);
                    case "--stack-option" -> options.stackOptions.add(args[++i]);
                    case "--env" -> {
                        String[] pair = args[++i].split("=", 2);
                        options.env.put(pair[0], pair.length > 1 ? pair[1] : "");
                    }
                    case "--label" -> options.label = args[++i];
                    case "--help", "-h" -> options.help = true;
                    default -> throw new IllegalArgumentException("Unknown option '" + arg + "'");
                }
            }
            for (String job : options.jobs) {
                if (!List.of("warmup", "leaver", "offboard", "invite", "million").contains(job)) {
                    throw new IllegalArgumentException("Unknown job '" + job + "'");
                }
            }
            if (options.pollSeconds < 1 || options.pollSeconds > 120 || options.millionEmails < 1
                    || options.millionEmails > 1000) {
                throw new IllegalArgumentException("--poll-seconds 1-120, --million-emails 1-1000");
            }
            if ((!options.cpuWeights.isEmpty() || !options.cpuMax.isEmpty() || !options.cpuIdle.isEmpty())
                    && !options.cpuGroups) {
                throw new IllegalArgumentException("--cpu-weight, --cpu-max and --cpu-idle need --cpu-groups");
            }
            if (options.relayJvm && options.oneJvm) {
                throw new IllegalArgumentException("--relay-jvm needs each service in a JVM of its own: not with --one-jvm");
            }
            if (options.jar == null && !options.help) {
                throw new IllegalArgumentException("--jar is required (run.sh passes it)");
            }
            return options;
        }

        /** The local stack's own JVM options (as ./run-local.sh gives them), then --stack-option's. */
        List<String> stackJavaOptions() {
            List<String> javaOptions = new ArrayList<>(defaultStackOptions);
            javaOptions.addAll(stackOptions);
            return javaOptions;
        }
    }

    /** A small JSON writer for maps, lists, strings, numbers and booleans. */
    static final class Json {

        static String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out, "");
            return out.toString();
        }

        private static void write(Object value, StringBuilder out, String indent) {
            if (value == null) {
                out.append("null");
            } else if (value instanceof Map<?, ?> map) {
                out.append("{");
                String inner = indent + "  ";
                boolean first = true;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    out.append(first ? "\n" : ",\n").append(inner);
                    string(String.valueOf(entry.getKey()), out);
                    out.append(": ");
                    write(entry.getValue(), out, inner);
                    first = false;
                }
                out.append(first ? "}" : "\n" + indent + "}");
            } else if (value instanceof List<?> list) {
                out.append("[");
                String inner = indent + "  ";
                for (int i = 0; i < list.size(); i++) {
                    out.append(i == 0 ? "\n" : ",\n").append(inner);
                    write(list.get(i), out, inner);
                }
                out.append(list.isEmpty() ? "]" : "\n" + indent + "]");
            } else if (value instanceof Double d) {
                out.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.6g", d));
            } else if (value instanceof Number || value instanceof Boolean) {
                out.append(value);
            } else {
                string(String.valueOf(value), out);
            }
        }

        private static void string(String text, StringBuilder out) {
            out.append('"');
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
    }
}
