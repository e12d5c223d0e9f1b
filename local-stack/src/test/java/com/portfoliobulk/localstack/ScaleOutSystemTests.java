package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Scale-out: 2 gateways, 3 bulk-workers and 2 audit-consumers as separate processes (the executable
 * jars) on one database and broker ({@link ServiceProcesses}) run two jobs of 20,000 tasks at once,
 * each submitted to a different gateway. Afterwards every task is terminal exactly once, the counts add
 * up, the memberships are the expected final state, there is exactly one activity entry per applied
 * change and nothing on a dead-letter topic ({@link PipelineInvariants}); every worker and both
 * audit-consumers did part of the work; and a portfolio's submission limit holds across the two
 * gateway processes (one allowance in all, not one per gateway). A web console session started on one
 * gateway goes on on the other.
 */
class ScaleOutSystemTests {

    private static final int ACCOUNTS = 100;

    private static final int USERS = 200;

    private static final int TASKS = ACCOUNTS * USERS;

    private static final int SUBMISSIONS_PER_MINUTE = 10;

    /**
     * Seven JVMs starting at once took 3 to 5.5 minutes on a 2-core machine shared with other builds
     * (load average 40 to 70): more patience than one process's start.
     */
    private static final Duration STARTUP = Duration.ofMinutes(6);

    private static final Duration PATIENCE = Duration.ofMinutes(5);

    private static final ServiceProcesses.Topics TOPICS = ServiceProcesses.Topics.unique("scale");

    private static OwnDatabase ownDatabase;

    private static ServiceProcesses processes;

    private static PipelineInvariants invariants;

    private static Admin admin;

    private static long startedAt;

    private static long readyAt;

    @BeforeAll
    static void startProcesses() {
        startedAt = System.nanoTime();
        // A database of their own: on the shared one, the gateway of TestStack (started by other test
        // classes of this JVM) would relay these jobs' tasks to its own topic and workers.
        ownDatabase = OwnDatabase.create("scaleout");
        DatabaseEndpoint database = ownDatabase.endpoint();
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        processes = ServiceProcesses.on(database, kafka, TOPICS);
        for (int i = 1; i <= 3; i++) {
            processes.startWorker("scale-worker-" + i, Map.of());
        }
        for (int i = 1; i <= 2; i++) {
            processes.startAudit("scale-audit-" + i, Map.of());
        }
        // The burst runs while both jobs keep two cores busy: the shared count may take longer than its
        // default bound of 250 ms there, and each gateway would then count alone (the api-gateway's
        // PortfolioRateLimitsTests). Here the count shared by both gateways is what is checked.
        Map<String, Object> limited = Map.of(
                "bulk.gateway.rate-limit.submissions.limit-for-period",
                SUBMISSIONS_PER_MINUTE,
                "bulk.gateway.rate-limit.timeout",
                "5s");
        for (int i = 1; i <= 2; i++) {
            processes.startGateway("scale-gateway-" + i, limited);
        }
        // Each process, not only those still running: one that died while starting fails the test here.
        processes.all().forEach(process -> process.awaitReady(STARTUP));
        readyAt = System.nanoTime();
        invariants = new PipelineInvariants(database, kafka, TOPICS.activity());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka));
    }

    @AfterAll
    static void stopProcesses() {
        if (admin != null) {
            admin.close();
        }
        if (invariants != null) {
            invariants.close();
        }
        if (processes != null) {
            processes.close();
        }
        if (ownDatabase != null) {
            ownDatabase.close();
        }
    }

    @Test
    void twoJobsOf20000TasksOnTwoGatewaysThreeWorkersAndTwoAuditConsumersEndCleanly() throws Exception {
        List<ServiceProcess> gateways = processes.of(ServiceProcesses.Service.GATEWAY);
        Seeded promoted = seed("promoted");
        Seeded removed = seed("removed");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(ConsumerGroups.owners(admin, TOPICS.workerGroup()))
                    .as("every worker process owns task partitions")
                    .containsOnlyKeys("scale-worker-1", "scale-worker-2", "scale-worker-3");
            assertThat(ConsumerGroups.owners(admin, TOPICS.auditGroup()))
                    .as("both audit-consumer processes own activity partitions")
                    .containsOnlyKeys("scale-audit-1", "scale-audit-2");
        });

        // The other test's job may have run on these workers already: what this one applies is the increase.
        Map<String, Long> appliedBefore = counter(ServiceProcesses.Service.WORKER, "bulk_tasks_applied_total");
        long submittedAt = System.nanoTime();
        UUID promote;
        UUID remove;
        try (ExecutorService clients = Executors.newFixedThreadPool(2)) {
            Future<UUID> first = clients.submit(() -> client(gateways.get(0), promoted.portfolio())
                    .submit(Map.of(
                            "type",
                            "UPDATE_ROLES",
                            "userIds",
                            promoted.users(),
                            "accountIds",
                            promoted.accounts(),
                            "role",
                            "MANAGER")));
            Future<UUID> second = clients.submit(() -> client(gateways.get(1), removed.portfolio())
                    .submit(Map.of(
                            "type", "REMOVE_ACCESS",
                            "userIds", removed.users(),
                            "accountIds", removed.accounts())));
            promote = first.get();
            remove = second.get();
        }
        long acceptedAt = System.nanoTime();
        // While both jobs run.
        Map<Integer, Long> limited = burstOfSubmissionsAcrossBothGateways();

        assertThat(invariants.awaitTerminal(promote, PATIENCE)).isEqualTo("COMPLETED");
        long promoteDoneAt = System.nanoTime();
        assertThat(invariants.awaitTerminal(remove, PATIENCE)).isEqualTo("COMPLETED");
        long doneAt = System.nanoTime();
        invariants.awaitOneActivityEntryPerAppliedChange(promote, PATIENCE);
        invariants.awaitOneActivityEntryPerAppliedChange(remove, PATIENCE);
        long auditedAt = System.nanoTime();

        Map<String, Long> applied = new LinkedHashMap<>();
        counter(ServiceProcesses.Service.WORKER, "bulk_tasks_applied_total")
                .forEach((worker, total) -> applied.put(worker, total - appliedBefore.getOrDefault(worker, 0L)));
        Map<String, Long> audited = counter(ServiceProcesses.Service.AUDIT, "bulk_audit_entries_written_total");
        Map<String, Long> relayed = counter(ServiceProcesses.Service.GATEWAY, "bulk_relay_tasks_published_total");
        double seconds = (doneAt - submittedAt) / 1e9;
        System.out.printf(
                "Scale-out: 2 x %,d tasks on 2 gateways, 3 workers, 2 audit-consumers: processes ready in %.1f s;"
                        + " both submissions accepted in %.2f s; first job COMPLETED after %.1f s, both after %.1f s"
                        + " (%,.0f tasks/s); activity complete after %.1f s; applied per worker %s; audit entries per"
                        + " audit-consumer %s; tasks relayed per gateway %s; rate-limit burst answers %s%n",
                TASKS,
                (readyAt - startedAt) / 1e9,
                (acceptedAt - submittedAt) / 1e9,
                (promoteDoneAt - submittedAt) / 1e9,
                seconds,
                2 * TASKS / seconds,
                (auditedAt - submittedAt) / 1e9,
                applied,
                audited,
                relayed,
                limited);

        invariants.assertJobAddsUp(promote, PipelineInvariants.JobCounts.allSucceeded(TASKS));
        invariants.assertJobAddsUp(remove, PipelineInvariants.JobCounts.allSucceeded(TASKS));
        invariants.assertMemberships(
                promoted.accounts(), promoted.users(), Map.of(AccountRole.MANAGER.code() + "/ACTIVE", (long) TASKS));
        invariants.assertMemberships(removed.accounts(), removed.users(), Map.of());
        invariants.assertDeadLetters(0, TOPICS.taskDeadLetter(), TOPICS.activityDeadLetter());
        assertThat(applied)
                .as("tasks applied by each worker process")
                .containsOnlyKeys("scale-worker-1", "scale-worker-2", "scale-worker-3")
                .allSatisfy((worker, tasks) -> assertThat(tasks).isPositive());
        assertThat(applied.values().stream().mapToLong(Long::longValue).sum())
                .as("tasks applied in all: each task counted once, whichever worker ended it")
                .isEqualTo(2L * TASKS);
        assertThat(audited)
                .as("activity entries written by each audit-consumer process")
                .containsOnlyKeys("scale-audit-1", "scale-audit-2")
                .allSatisfy((audit, entries) -> assertThat(entries).isPositive());
        assertThat(limited)
                .as(
                        "answers by status to %d submissions of one portfolio spread over both gateways",
                        3 * SUBMISSIONS_PER_MINUTE)
                .isEqualTo(Map.of(400, (long) SUBMISSIONS_PER_MINUTE, 429, 2L * SUBMISSIONS_PER_MINUTE));
    }

    /**
     * The console's session is the database's, not one gateway's: signed in on the first gateway, the
     * browser goes on on the second (same host, so the same cookie), where the session's CSRF token
     * confirms an offboarding, and signing out there ends the session on the first as well.
     */
    @Test
    void aConsoleSessionStartedOnOneGatewayGoesOnOnTheOtherUntilSignedOutThere() {
        List<ServiceProcess> gateways = processes.of(ServiceProcesses.Service.GATEWAY);
        ServiceProcess first = gateways.get(0);
        ServiceProcess second = gateways.get(1);
        TestPortfolio portfolio = TestPortfolio.seed(invariants.dataSource(), 2);
        UserRef leaver = portfolio.addUser("leaver", AccountRole.ANALYST, portfolio.accounts());
        String owner = "owner-" + UUID.randomUUID() + "@agency.example";
        try (ConsoleBrowser browser = ConsoleBrowser.open(first.url())) {
            browser.signIn(owner, "OWNER", portfolio.id());
            assertThat(browser.driver().getCurrentUrl()).startsWith(first.url());

            browser.driver().get(second.url() + "/console/portfolios/" + portfolio.id() + "/users?q=" + leaver.email());
            browser.awaitPage("Users");
            assertThat(browser.text("header .me")).isEqualTo(owner);
            browser.reviewOffboardingOfTheListedUser();
            assertThat(browser.text("#changes")).isEqualTo("2");
            browser.find("#confirm").click();
            assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");
            assertThat(browser.driver().getCurrentUrl())
                    .as("the job's page, still on the second gateway")
                    .startsWith(second.url());

            browser.find("form.signout button").click();
            browser.awaitPage("Sign in");
            browser.driver().get(first.url() + "/console/portfolios/" + portfolio.id() + "/users");
            browser.awaitPage("Sign in");
            assertThat(browser.driver().getCurrentUrl())
                    .as("the first gateway, after sign-out on the second")
                    .isEqualTo(first.url() + "/console/sign-in");
        }
        assertThat(invariants
                        .jdbc()
                        .sql("SELECT count(*) FROM jobs.console_sessions WHERE principal_name = ?")
                        .param(owner)
                        .query(Long.class)
                        .single())
                .as("sessions stored for %s after sign-out", owner)
                .isZero();
    }

    /**
     * Three times a portfolio's per-minute allowance of submissions, sent at once and spread evenly
     * over both gateways; the bodies are empty objects, which are counted before they are read (and then
     * answer 400), so the burst creates no job. Answers the count of answers by status; the 429s are
     * checked for their documented headers here.
     */
    private static Map<Integer, Long> burstOfSubmissionsAcrossBothGateways() {
        UUID portfolio = UUID.randomUUID();
        invariants
                .jdbc()
                .sql("INSERT INTO directory.portfolios (id, name) VALUES (?, ?)")
                .params(portfolio, "Scale burst " + portfolio)
                .update();
        List<ServiceProcess> gateways = processes.of(ServiceProcesses.Service.GATEWAY);
        List<ResponseEntity<String>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newFixedThreadPool(6)) {
            List<Future<ResponseEntity<String>>> sent = new ArrayList<>();
            for (int i = 0; i < 3 * SUBMISSIONS_PER_MINUTE; i++) {
                GatewayClient client = client(gateways.get(i % 2), portfolio);
                sent.add(clients.submit(
                        () -> client.submit(Map.of(), UUID.randomUUID().toString())));
            }
            for (Future<ResponseEntity<String>> answer : sent) {
                answers.add(answer.get());
            }
        } catch (InterruptedException | ExecutionException ex) {
            throw new IllegalStateException(ex);
        }
        answers.stream().filter(answer -> answer.getStatusCode().value() == 429).forEach(answer -> {
            assertThat(answer.getHeaders().getContentType()).hasToString("application/problem+json");
            assertThat(answer.getHeaders().getFirst("Retry-After")).isNotBlank();
            assertThat(answer.getHeaders().getFirst("RateLimit-Policy"))
                    .isEqualTo("\"submissions\";q=" + SUBMISSIONS_PER_MINUTE + ";w=60");
        });
        return answers.stream()
                .collect(Collectors.groupingBy(answer -> answer.getStatusCode().value(), Collectors.counting()));
    }

    /** A portfolio's accounts and users, every user an active Analyst on every account. */
    private record Seeded(UUID portfolio, List<UUID> accounts, List<UUID> users) {}

    /** Seeds a portfolio of {@value #ACCOUNTS} accounts and {@value #USERS} users with set-based SQL. */
    private static Seeded seed(String name) {
        JdbcClient jdbc = invariants.jdbc();
        UUID portfolio = UUID.randomUUID();
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, ?)")
                .params(portfolio, "Scale " + name + " " + portfolio)
                .update();
        List<UUID> accounts = jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        SELECT gen_random_uuid(), ?, 'Brand ' || i || ' ' || ? FROM generate_series(1, ?) i
                        RETURNING id""")
                .params(portfolio, portfolio, ACCOUNTS)
                .query(UUID.class)
                .list();
        List<UUID> users =
                jdbc.sql("""
                        INSERT INTO directory.users (id, email, idp_managed)
                        SELECT gen_random_uuid(), 'analyst' || i || '-' || ? || '@brand.example', false
                        FROM generate_series(1, ?) i
                        RETURNING id""").params(portfolio, USERS).query(UUID.class).list();
        int memberships = jdbc.sql("""
                        INSERT INTO directory.memberships (account_id, user_id, role, state)
                        SELECT a, u, ?, 'ACTIVE' FROM unnest(?::uuid[]) a CROSS JOIN unnest(?::uuid[]) u""")
                .params(AccountRole.ANALYST.code(), accounts.toArray(UUID[]::new), users.toArray(UUID[]::new))
                .update();
        assertThat(memberships).isEqualTo(TASKS);
        return new Seeded(portfolio, accounts, users);
    }

    private static GatewayClient client(ServiceProcess gateway, UUID portfolio) {
        UUID admin = UUID.randomUUID();
        return new GatewayClient(
                gateway.url(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio, "OWNER"),
                portfolio);
    }

    /** A counter's value summed over its tags, per process of the service, from its Prometheus scrape. */
    private static Map<String, Long> counter(ServiceProcesses.Service service, String name) throws Exception {
        Map<String, Long> values = new LinkedHashMap<>();
        for (ServiceProcess process : processes.of(service)) {
            values.put(process.name(), MetricScrape.sum(MetricScrape.samples(process.url(), name)));
        }
        return values;
    }
}
