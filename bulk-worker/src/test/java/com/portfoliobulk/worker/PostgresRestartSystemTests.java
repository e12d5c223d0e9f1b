package com.portfoliobulk.worker;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.changeRole;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.remove;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.TaskRecords;
import com.portfoliobulk.worker.fixtures.TopicRecords;
import com.zaxxer.hikari.HikariDataSource;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * PostgreSQL stops in the middle of a job and comes back a little later on the same port and data
 * directory. The worker (a separate application context with its own database, topics and consumer
 * group, on the shared broker) stops applying, reports not ready, and resumes by itself: every task is
 * applied exactly once and none fails because of the outage.
 */
class PostgresRestartSystemTests {

    private static final int ACCOUNTS = 30;

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    static Path dataDirectory;

    private static int port;

    private static EmbeddedPostgres postgres;

    private static ConfigurableApplicationContext worker;

    private static TaskRecords taskRecords;

    private static TopicRecords activityRecords;

    private static HikariDataSource testDataSource;

    private static JdbcClient jdbc;

    private final JsonMapper json = JsonMapper.builder().build();

    @BeforeAll
    static void startPostgresAndWorker() throws IOException, SQLException {
        port = FreePorts.take();
        postgres = startPostgres();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE bulk");
        }
        DatabaseEndpoint database =
                new DatabaseEndpoint(postgres.getJdbcUrl("postgres", "bulk"), "postgres", "postgres");
        SharedInfrastructure.migrate(database);
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(database.jdbcUrl());
        pool.setUsername(database.username());
        pool.setPassword(database.password());
        pool.setMaximumPoolSize(2);
        testDataSource = pool;
        jdbc = JdbcClient.create(pool);

        String suffix = UUID.randomUUID().toString();
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", database.jdbcUrl());
        properties.put("spring.datasource.username", database.username());
        properties.put("spring.datasource.password", database.password());
        properties.put("spring.datasource.hikari.connection-timeout", "1000");
        properties.put("spring.kafka.bootstrap-servers", kafka);
        properties.put("bulk.internal-auth.token-secret", TestTokens.INTERNAL_SECRET);
        properties.put("spring.kafka.consumer.group-id", "bulk-worker-restart-" + suffix);
        properties.put("bulk.worker.topics.tasks", "restart.tasks-" + suffix);
        properties.put("bulk.worker.topics.dead-letter", "restart.tasks-dlt-" + suffix);
        properties.put("bulk.worker.topics.activity", "restart.activity-" + suffix);
        properties.put("bulk.worker.redelivery.initial-interval", "200ms");
        properties.put("bulk.worker.redelivery.max-interval", "1s");
        properties.put("resilience4j.circuitbreaker.instances.database.wait-duration-in-open-state", "1s");
        properties.put("server.port", "0");
        properties.put("spring.main.banner-mode", "off");
        worker = WorkerApplication.application()
                .run(properties.entrySet().stream()
                        .map(property -> "--" + property.getKey() + "=" + property.getValue())
                        .toArray(String[]::new));
        WorkerProperties topics = worker.getBean(WorkerProperties.class);
        taskRecords = new TaskRecords(kafka, topics.topics().tasks()).declare();
        activityRecords = new TopicRecords(kafka, topics.topics().activity());
    }

    @AfterAll
    static void stopWorkerAndPostgres() throws IOException {
        if (taskRecords != null) {
            taskRecords.close();
            activityRecords.close();
        }
        if (worker != null) {
            worker.close();
        }
        if (testDataSource != null) {
            testDataSource.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aPostgresRestartMidJobDelaysTheJobButLosesAndRepeatsNothing() throws IOException {
        DirectorySeed directory = new DirectorySeed(jdbc);
        JobFixture jobs = new JobFixture(jdbc);
        Portfolio portfolio = directory.portfolio(ACCOUNTS);
        UUID ann = directory.user();
        UUID ben = directory.user();
        String invitee = directory.newEmail();
        List<TaskSpec> invites = new ArrayList<>();
        List<TaskSpec> roleChanges = new ArrayList<>();
        List<TaskSpec> removals = new ArrayList<>();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            directory.member(account.id(), ann, AccountRole.ANALYST);
            directory.member(account.id(), ben, AccountRole.SUPPORT);
            invites.add(invite(
                    account.id(),
                    null,
                    invitee,
                    AccountRole.SUPPORT,
                    Instant.now().plus(Duration.ofDays(7))));
            roleChanges.add(changeRole(account.id(), ann, AccountRole.MANAGER));
            removals.add(remove(account.id(), ben));
        }
        List<SubmittedJob> submitted = List.of(
                jobs.submit(portfolio.id(), JobType.INVITE_USERS, JobFixture.administrator(), invites),
                jobs.submit(portfolio.id(), JobType.UPDATE_ROLES, JobFixture.administrator(), roleChanges),
                jobs.submit(portfolio.id(), JobType.REMOVE_ACCESS, JobFixture.administrator(), removals));
        int half = ACCOUNTS / 2;

        submitted.forEach(job -> taskRecords.publish(job.messages().subList(0, half)));
        await().atMost(PATIENCE)
                .until(() ->
                        submitted.stream().allMatch(job -> jobs.job(job.id()).pending() == ACCOUNTS - half));
        assertThat(submitted)
                .allSatisfy(job -> assertThat(jobs.job(job.id()).status()).isEqualTo(JobStatus.IN_PROGRESS));

        postgres.close();
        submitted.forEach(job -> taskRecords.publish(job.messages().subList(half, ACCOUNTS)));
        CircuitBreaker database = worker.getBean(CircuitBreakerRegistry.class).circuitBreaker("database");
        await().atMost(PATIENCE).until(() -> database.getState() == CircuitBreaker.State.OPEN);
        await().atMost(PATIENCE).until(() -> readiness() == 503);
        postgres = startPostgres();

        await().atMost(PATIENCE)
                .until(() -> submitted.stream()
                        .allMatch(job -> jobs.job(job.id()).status().isTerminal()));
        for (SubmittedJob job : submitted) {
            StoredJob finished = jobs.job(job.id());
            assertThat(finished.status()).isEqualTo(JobStatus.COMPLETED);
            assertThat(finished)
                    .extracting(StoredJob::succeeded, StoredJob::failed)
                    .containsExactly(ACCOUNTS, 0);
            assertThat(jobs.tasks(job.id()))
                    .as("applied once each, no attempt lost to the outage")
                    .extracting(StoredTask::status, StoredTask::attempts)
                    .containsOnly(tuple(TaskStatus.SUCCEEDED, 1));
        }
        UUID inviteeId = directory.userIdByEmail(invitee).orElseThrow();
        Set<String> tokens = new HashSet<>();
        for (OwnedAccount account : portfolio.ownedAccounts()) {
            DirectorySeed.Membership invitation =
                    directory.membership(account.id(), inviteeId).orElseThrow();
            assertThat(invitation.state()).isEqualTo(MembershipState.INVITED);
            tokens.add(invitation.invitationTokenDigest());
            assertThat(directory.membership(account.id(), ann).orElseThrow().role())
                    .isEqualTo(AccountRole.MANAGER);
            assertThat(directory.membership(account.id(), ben)).isEmpty();
        }
        assertThat(tokens).hasSize(ACCOUNTS);
        Set<UUID> taskIds = new HashSet<>();
        submitted.forEach(
                job -> job.messages().stream().map(BulkTaskMessage::taskId).forEach(taskIds::add));
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(events(taskIds).keySet()).isEqualTo(taskIds));
        assertThat(readiness()).isEqualTo(200);
    }

    /**
     * While PostgreSQL refuses connections, an operator's dead-letter calls (the listing and a re-drive,
     * as README shows them) answer what the runbook calls a dependency that does not answer: 503 with
     * {@code Retry-After}, a problem of type {@code unavailable}, and one {@code Answering 503} line at
     * WARN without a stack trace. They answered 500 {@code Internal error} and logged an {@code
     * Unexpected error} with its stack trace, which the runbook has operators report as a defect. Each
     * line carries the {@code requestId} the call came with ({@code X-Request-Id}, as the gateway sends
     * its own request's), which the worker's lines did not.
     */
    @Test
    void theInternalApiAnswers503WithRetryAfterWhileTheDatabaseRefusesConnections() throws IOException {
        List<Answer> answers = new ArrayList<>();
        List<ILoggingEvent> lines;
        postgres.close();
        String listing = "listing-" + UUID.randomUUID();
        String redrive = "redrive-" + UUID.randomUUID();
        try (LogLines problems = LogLines.of("com.portfoliobulk.servicesupport.web")) {
            answers.add(internalCall(HttpMethod.GET, "/internal/dead-letters?redriven=false", listing, null));
            answers.add(internalCall(
                    HttpMethod.POST,
                    "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                    redrive,
                    Map.of("operator", "ops-jane", "reason", "task restored")));
            lines = problems.lines();
        } finally {
            postgres = startPostgres();
        }

        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.status()).as(answer.body()).isEqualTo(503);
            assertThat(answer.retryAfter()).isEqualTo("5");
            assertThat(answer.contentType()).contains(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            assertThat(json.readTree(answer.body()).path("type").asString())
                    .isEqualTo(ProblemTypes.UNAVAILABLE.toString());
            assertThat(answer.body()).contains("database is unavailable").doesNotContain("errorId");
        });
        assertThat(lines)
                .extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(line -> line.startsWith("Unexpected error"));
        assertThat(lines)
                .filteredOn(line -> line.getFormattedMessage().startsWith("Answering 503: the database is unavailable"))
                .hasSize(2)
                .allSatisfy(line -> {
                    assertThat(line.getLevel()).isEqualTo(Level.WARN);
                    assertThat(line.getThrowableProxy()).isNull();
                })
                .extracting(line -> line.getMDCPropertyMap().get("requestId"))
                .containsExactly(listing, redrive);
        await().atMost(PATIENCE).until(() -> readiness() == 200);
    }

    /**
     * A call to the worker's internal API with the gateway's internal token, as an operator makes it, and
     * the gateway's request id.
     */
    private Answer internalCall(HttpMethod method, String path, String requestId, Map<String, String> body) {
        int webPort = ((WebServerApplicationContext) worker).getWebServer().getPort();
        RestClient.RequestBodySpec request = RestClient.create("http://localhost:" + webPort)
                .method(method)
                .uri(path)
                .header(HttpHeaders.AUTHORIZATION, TestTokens.workerAuthorization())
                .header("X-Request-Id", requestId);
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(body);
        }
        return request.exchange((req, response) -> new Answer(
                response.getStatusCode().value(),
                response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER),
                String.valueOf(response.getHeaders().getContentType()),
                new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));
    }

    private record Answer(int status, String retryAfter, String contentType, String body) {}

    /** The activity events by task; a task published more than once must have published the same event. */
    private Map<UUID, AccountActivityEvent> events(Set<UUID> taskIds) {
        Map<UUID, AccountActivityEvent> events = new LinkedHashMap<>();
        activityRecords.read().stream()
                .map(record -> json.readValue(record.value(), AccountActivityEvent.class))
                .filter(event -> taskIds.contains(event.taskId()))
                .forEach(event -> assertThat(events.merge(event.taskId(), event, (first, again) -> {
                            assertThat(again).isEqualTo(first);
                            return first;
                        }))
                        .isNotNull());
        return events;
    }

    private int readiness() {
        int webPort = ((WebServerApplicationContext) worker).getWebServer().getPort();
        return RestClient.create("http://localhost:" + webPort)
                .get()
                .uri("/actuator/health/readiness")
                .exchange((request, response) -> response.getStatusCode().value());
    }

    /** PostgreSQL on the fixed port and data directory; a second start reuses the data. */
    private static EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory.resolve("data"))
                .setCleanDataDirectory(false)
                .setPort(port)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("fsync", "off")
                .start();
    }
}
