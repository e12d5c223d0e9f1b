package com.portfoliobulk.worker;

import static com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec.invite;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.apply.TaskListener;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.event.ConsumerRetryAuthEvent;
import org.springframework.kafka.event.ConsumerRetryAuthSuccessfulEvent;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.scheduling.config.Task;
import org.springframework.scheduling.config.TaskExecutionOutcome;
import org.springframework.web.client.RestClient;

class WorkerApplicationIntegrationTests extends WorkerIntegrationSupport {

    /** The one audience of the internal tokens of gateways of the previous version. */
    private static final String PREVIOUS_AUDIENCE = "portfolio-bulk-internal";

    @Autowired
    ApplicationContext context;

    @Test
    void metricsAreForPrometheusOnlyAndNotPushedOverOtlpByDefault() {
        assertThat(context.getBeansOfType(OtlpMeterRegistry.class))
                .as("no OTLP push registry unless BULK_METRICS_OTLP_ENABLED=true")
                .isEmpty();
    }

    /**
     * A scheduled run (here the link changes' pass, every second as it runs) is no observation, and the
     * database calls of the scheduled runs are not observed (README "Traces"): before, Spring Boot
     * observed each run ({@code tasks.scheduled.execution}), a trace a second with the pass's database
     * calls in it.
     */
    @Test
    void aScheduledRunIsNoObservation() {
        Task pass = context.getBeansOfType(ScheduledTaskHolder.class).values().stream()
                .flatMap(scheduler -> scheduler.getScheduledTasks().stream())
                .map(ScheduledTask::getTask)
                .filter(task -> task.toString().equals("com.portfoliobulk.worker.links.AccountLinkEntries.scheduled"))
                .findFirst()
                .orElseThrow();
        Queue<String> observed = new ConcurrentLinkedQueue<>();
        AtomicBoolean recording = new AtomicBoolean(true);
        // Registries cannot remove handlers: this one stops recording at the end.
        context.getBean(ObservationRegistry.class).observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context observation) {
                String name = observation.getName();
                if (recording.get()
                        && name != null
                        && (name.startsWith("tasks.scheduled.")
                                || name.startsWith("jdbc.")
                                        && Thread.currentThread().getName().startsWith("scheduled-"))) {
                    observed.add(name);
                }
            }

            @Override
            public boolean supportsContext(Observation.Context observation) {
                // Asked before a scheduled run's observation has its name.
                return recording.get();
            }
        });
        Instant from = Instant.now();
        try {
            // A whole run that started after the handler was added.
            await().atMost(PATIENCE).until(() -> {
                TaskExecutionOutcome outcome = pass.getLastExecutionOutcome();
                return outcome.status() == TaskExecutionOutcome.Status.SUCCESS
                        && outcome.executionTime().isAfter(from);
            });

            assertThat(observed).as("observations of the scheduled runs").isEmpty();
        } finally {
            recording.set(false);
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    @Test
    void bootsAgainstRealInfrastructureAndExposesHealthAndMetrics() {
        RestClient http = RestClient.create("http://localhost:" + port);

        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String metrics = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(metrics).contains("jvm_memory_used_bytes", "hikaricp_connections");
    }

    @Test
    void theInternalInvitationApiAnswers401WithoutAValidInternalToken() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String path = "/internal/invitations/some-token-of-forty-characters-0123456789/accept";

        for (String authorization : new String[] {
            null,
            "Bearer not-a-token",
            TestTokens.internalAuthorization("another-secret-of-at-least-32-bytes-000000", TestTokens.WORKER_AUDIENCE),
            // A user's bearer token is no internal token, even when signed with the same secret.
            "Bearer "
                    + TestTokens.sign(
                            TestTokens.INTERNAL_SECRET,
                            java.util.UUID.randomUUID(),
                            "someone@agency.test",
                            java.util.Map.of(),
                            Instant.now().plusSeconds(60))
        }) {
            RestClient.RequestBodySpec request = http.post()
                    .uri(path)
                    .contentType(MediaType.APPLICATION_JSON)
                    .body("{\"email\":\"someone@agency.test\"}");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            ResponseEntity<String> answer =
                    request.exchange((req, response) -> ResponseEntity.status(response.getStatusCode())
                            .headers(response.getHeaders())
                            .body(response.bodyTo(String.class)));

            assertThat(answer.getStatusCode().value())
                    .as(String.valueOf(authorization))
                    .isEqualTo(401);
            assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(answer.getHeaders().getFirst("WWW-Authenticate")).startsWith("Bearer");
        }
    }

    /**
     * While the internal token secret is rotated, the worker accepts the tokens of the accepted secret
     * too (those of a gateway not rotated yet, or rotated already); a token of any other secret is
     * still refused.
     */
    @Test
    void theInternalApiAcceptsTheTokensOfTheAcceptedSecretToo() {
        RestClient http = RestClient.create("http://localhost:" + port);

        for (String secret : new String[] {TestTokens.INTERNAL_SECRET, TestTokens.ACCEPTED_INTERNAL_SECRET}) {
            int status = http.get()
                    .uri("/internal/dead-letters")
                    .header("Authorization", TestTokens.internalAuthorization(secret, TestTokens.WORKER_AUDIENCE))
                    .exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as(secret).isEqualTo(200);
        }
        int other = http.get()
                .uri("/internal/dead-letters")
                .header(
                        "Authorization",
                        TestTokens.internalAuthorization(
                                "another-secret-of-at-least-32-bytes-000000", TestTokens.WORKER_AUDIENCE))
                .exchange((req, response) -> response.getStatusCode().value());
        assertThat(other).isEqualTo(401);
    }

    /**
     * The worker accepts only the tokens made for it. One made for the audit-consumer is refused though
     * signed with the worker's own secret (the two links may share one), and so is one naming the
     * previous version's shared audience and the audit-consumer, or both services: whoever holds the
     * audit-consumer's tokens cannot unlink another tenant's accounts. A token of a gateway of the
     * previous version, whose one audience is the shared one, is accepted during the upgrade.
     */
    @Test
    void theInternalApiAcceptsOnlyTokensMadeForTheWorker() {
        RestClient http = RestClient.create("http://localhost:" + port);
        Portfolio victim = directory.portfolio(2);

        for (List<String> audiences : List.of(
                List.of(TestTokens.AUDIT_AUDIENCE),
                List.of(PREVIOUS_AUDIENCE, TestTokens.AUDIT_AUDIENCE),
                List.of(TestTokens.WORKER_AUDIENCE, TestTokens.AUDIT_AUDIENCE),
                List.<String>of())) {
            int status = http.post()
                    .uri("/internal/portfolios/{portfolio}/unlink-all", victim.id())
                    .header(
                            "Authorization",
                            TestTokens.internalAuthorization(
                                    TestTokens.INTERNAL_SECRET, audiences.toArray(String[]::new)))
                    .contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of("userId", java.util.UUID.randomUUID().toString(), "email", "someone@agency.test"))
                    .exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as("audiences %s", audiences).isEqualTo(401);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = :portfolio")
                        .param("portfolio", victim.id())
                        .query(Long.class)
                        .single())
                .as("the portfolio's accounts, still linked")
                .isEqualTo(2L);
        for (String audience : new String[] {TestTokens.WORKER_AUDIENCE, PREVIOUS_AUDIENCE}) {
            int status = http.get()
                    .uri("/internal/dead-letters")
                    .header("Authorization", TestTokens.internalAuthorization(TestTokens.INTERNAL_SECRET, audience))
                    .exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as(audience).isEqualTo(200);
        }
    }

    @Test
    void exposesTheInvitationMailSeriesOfEveryTemplateLanguageFromTheStart() {
        String metrics = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);

        // Registered at startup, so that the first e-mail of each kind after a start is an increase.
        for (String outcome : List.of("sent", "retried", "failed")) {
            for (String language : List.of("en", "de", "fr", "es")) {
                assertThat(metrics)
                        .containsPattern("bulk_invitation_mails_" + outcome + "_total\\{application=\"bulk-worker\","
                                + "language=\"" + language + "\"} [0-9]");
            }
        }
    }

    @Test
    void exposesTheTaskAndJobSeriesOfEveryActionAndJobTypeFromTheStart() {
        String metrics = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);

        // Registered at startup, so that the tasks and jobs finished before the first scrape after a start
        // are an increase.
        for (TaskAction action : TaskAction.values()) {
            assertThat(metrics)
                    .containsPattern("bulk_task_apply_seconds_count\\{action=\"" + action
                            + "\",application=\"bulk-worker\"} [0-9]");
            for (ReasonCode reason : ReasonCode.values()) {
                assertThat(metrics)
                        .containsPattern("bulk_tasks_applied_total\\{action=\"" + action
                                + "\",application=\"bulk-worker\",outcome=\"" + reason.status() + "\",reason=\""
                                + reason + "\"} [0-9]");
            }
        }
        for (JobType type : JobType.values()) {
            assertThat(metrics)
                    .containsPattern("bulk_job_duration_seconds_count\\{application=\"bulk-worker\","
                            + "status=\"COMPLETED_WITH_ERRORS\",type=\"" + type + "\"} [0-9]");
        }
    }

    @Test
    void exposesTheApplyMetricsUnderTheirDocumentedNames() {
        SubmittedJob job = oneInvitation();
        publish(job);
        awaitFinished(job);

        // The batch's meters move once its transaction has committed, which is when the job shows finished.
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(RestClient.create("http://localhost:" + port)
                                .get()
                                .uri("/actuator/prometheus")
                                .retrieve()
                                .body(String.class))
                        .containsPattern("bulk_tasks_applied_total\\{action=\"INVITE\",application=\"bulk-worker\","
                                + "outcome=\"SUCCEEDED\",reason=\"NONE\"} [1-9]")
                        .containsPattern("bulk_task_apply_seconds_bucket\\{action=\"INVITE\"")
                        .containsPattern("bulk_task_batch_size_count\\{application=\"bulk-worker\"} [1-9]")
                        .contains("bulk_task_retries_total", "bulk_tasks_dead_lettered_total")
                        .containsPattern("bulk_job_duration_seconds_count\\{application=\"bulk-worker\","
                                + "status=\"COMPLETED\",type=\"INVITE_USERS\"} [1-9]")
                        .contains("resilience4j_retry_calls_total", "resilience4j_circuitbreaker_state")
                        .contains("kafka_consumer_fetch_manager_records_lag_max"));
    }

    /**
     * A job that took three hours (its tasks lost and sent again by the stuck-task sweep, say) lands in
     * a bucket of its own, below the next larger one, so that the duration's quantiles can show it:
     * the histogram reaches past the hours a job may take.
     */
    @Test
    void aJobOfThreeHoursFallsInAFiniteBucketOfTheDurationHistogram() {
        SubmittedJob job = oneInvitation();
        jdbc.sql("UPDATE jobs.bulk_jobs SET created_at = created_at - interval '3 hours' WHERE id = ?")
                .params(job.id())
                .update();

        publish(job);
        awaitFinished(job);

        // Observations from three hours on (the job) and below them (other tests' jobs): some lies in
        // the finite buckets between three hours and three hours and ten minutes.
        String series = "bulk_job_duration_seconds_bucket{application=\"bulk-worker\",status=\"COMPLETED\","
                + "type=\"INVITE_USERS\",le=\"";
        await().atMost(PATIENCE).untilAsserted(() -> {
            Map<Double, Double> buckets = buckets(scrape(), series);
            Double above = buckets.keySet().stream()
                    .filter(le -> le >= Duration.ofMinutes(190).toSeconds() && le < Double.POSITIVE_INFINITY)
                    .min(Double::compare)
                    .orElse(null);
            assertThat(above)
                    .as("a finite bucket above three hours and ten minutes among %s", buckets.keySet())
                    .isNotNull();
            double below = buckets.entrySet().stream()
                    .filter(bucket -> bucket.getKey() < Duration.ofHours(3).toSeconds())
                    .mapToDouble(Map.Entry::getValue)
                    .max()
                    .orElse(0);
            assertThat(buckets.get(above) - below).isGreaterThanOrEqualTo(1);
        });
    }

    /** The cumulative count of each bucket of {@code series} (its text up to the value of {@code le}). */
    private static Map<Double, Double> buckets(String metrics, String series) {
        Map<Double, Double> buckets = new TreeMap<>();
        metrics.lines().filter(line -> line.startsWith(series)).forEach(line -> {
            String le = line.substring(series.length(), line.indexOf('"', series.length()));
            buckets.put(
                    "+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le),
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        });
        return buckets;
    }

    private String scrape() {
        return RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);
    }

    /** Readiness, and Prometheus through bulk_listener_running, see a stopped task listener. */
    @Test
    void isNotReadyWhileTheTaskListenerIsStopped() {
        MessageListenerContainer container = listeners.getListenerContainer(TaskListener.ID);
        assertThat(readiness()).isEqualTo(200);
        assertThat(listenerRunning()).isEqualTo("1.0");

        container.stop();
        try {
            assertThat(readiness()).isEqualTo(503);
            assertThat(status("/actuator/health")).isEqualTo(503);
            assertThat(listenerRunning()).isEqualTo("0.0");
        } finally {
            container.start();
        }

        await().atMost(PATIENCE).until(() -> readiness() == 200);
        assertThat(listenerRunning()).isEqualTo("1.0");
    }

    /**
     * A task listener refused by the broker's security (its ACLs granted after the worker started, its
     * SASL password rotated before the worker's) polls again every 10 s and applies the tasks once it
     * is let in. Without the interval each consumer stopped for good at the first refusal, until a restart.
     */
    @Test
    void theTaskListenersConsumersPollAgainAfterAnAuthenticationOrAuthorizationError() {
        var container = (ConcurrentMessageListenerContainer<?, ?>) listeners.getListenerContainer(TaskListener.ID);
        await().atMost(PATIENCE).until(() -> !container.getContainers().isEmpty());
        assertThat(container.getContainers())
                .allSatisfy(
                        consumer -> assertThat(consumer.getContainerProperties().getAuthExceptionRetryInterval())
                                .isEqualTo(Duration.ofSeconds(10)));
    }

    /**
     * A task listener one of whose consumers the broker refuses (here its ACLs: Spring Kafka announces
     * the retry as it does after a real refusal) counts as not running: readiness 503, {@code
     * taskListener} DOWN saying why, {@code bulk_listener_running} 0 for BulkListenerStopped. Once a poll
     * is let in again, all is back by itself. Before, the listener counted as running all the while.
     */
    @Test
    void isNotReadyWhileTheBrokerRefusesATaskConsumerAndReadyOnceItTakesItAgain() {
        var container = (ConcurrentMessageListenerContainer<?, ?>) listeners.getListenerContainer(TaskListener.ID);
        await().atMost(PATIENCE).until(() -> !container.getContainers().isEmpty() && readiness() == 200);
        assertThat(listenerRunning()).isEqualTo("1.0");
        var consumer = container.getContainers().getFirst();

        context.publishEvent(
                new ConsumerRetryAuthEvent(consumer, container, ConsumerRetryAuthEvent.Reason.AUTHORIZATION));
        try {
            assertThat(readiness()).isEqualTo(503);
            assertThat(listenerRunning()).isEqualTo("0.0");
            Health taskListener = ((HealthIndicator) contributors.getContributor("taskListener")).health();
            assertThat(taskListener.getStatus()).isEqualTo(Status.DOWN);
            assertThat(taskListener.getDetails().get("refused"))
                    .asString()
                    .contains("the broker refuses its permissions");
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        } finally {
            context.publishEvent(new ConsumerRetryAuthSuccessfulEvent(consumer, container));
        }

        assertThat(readiness()).isEqualTo(200);
        assertThat(listenerRunning()).isEqualTo("1.0");
        assertThat(((HealthIndicator) contributors.getContributor("taskListener"))
                        .health()
                        .getDetails())
                .doesNotContainKey("refused");
    }

    @Autowired
    HealthEndpoint health;

    @Autowired
    HealthContributorRegistry contributors;

    @Autowired
    KafkaAdmin kafkaAdmin;

    /**
     * Readiness follows the broker: UP while it answers; DOWN, naming {@code kafka}, once it has not
     * answered for {@code bulk.worker.kafka-down-after}, while the task listener keeps running and
     * applies nothing. Before, readiness had no part that asked the broker, and stayed UP. The broker
     * the tests share cannot go away, so the worker's {@code kafka} is swapped for one with the worker's
     * Kafka settings but an address where no broker listens (and {@code kafka-down-after} 1 s).
     */
    @Test
    void readinessIsUpWithTheBrokerAndDownNamingKafkaWhileNoBrokerAnswers() {
        await().atMost(PATIENCE).until(() -> readiness() == 200);
        assertThat(readinessOfKafka()).isEqualTo(Status.UP);

        Map<String, Object> settings = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + FreePorts.take());
        HealthContributor workers = contributors.unregisterContributor("kafka");
        try (KafkaHealthIndicator nobody = new KafkaHealthIndicator(settings, Duration.ofSeconds(1))) {
            contributors.registerContributor("kafka", nobody);
            nobody.start();

            await().atMost(PATIENCE).until(() -> readiness() == 503);
            assertThat(readinessOfKafka()).isEqualTo(Status.DOWN);
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        } finally {
            contributors.unregisterContributor("kafka");
            contributors.registerContributor("kafka", workers);
        }
        await().atMost(PATIENCE).until(() -> readiness() == 200);
    }

    /** The status of {@code kafka} in the readiness group, as the actuator's health endpoint answers it. */
    private Status readinessOfKafka() {
        HealthDescriptor kafka = health.healthForPath("readiness", "kafka");
        assertThat(kafka).as("kafka in the readiness group").isNotNull();
        return kafka.getStatus();
    }

    /** The value of {@code bulk_listener_running} of the task listener, as Prometheus scrapes it. */
    private String listenerRunning() {
        String metrics = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);
        String series = "bulk_listener_running{application=\"bulk-worker\",listener=\"" + TaskListener.ID + "\"} ";
        assertThat(metrics).as("the gauge of the task listener").contains(series);
        return metrics.substring(metrics.indexOf(series) + series.length())
                .lines()
                .findFirst()
                .orElseThrow();
    }

    private int readiness() {
        return status("/actuator/health/readiness");
    }

    private int status(String path) {
        return RestClient.create("http://localhost:" + port)
                .get()
                .uri(path)
                .exchange((request, response) -> response.getStatusCode().value());
    }

    /** A job of one invitation of a new address, stored and not yet published. */
    private SubmittedJob oneInvitation() {
        Portfolio portfolio = directory.portfolio(1);
        return jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(
                        portfolio.ownedAccount(0).id(),
                        null,
                        directory.newEmail(),
                        AccountRole.SUPPORT,
                        Instant.now().plus(Duration.ofDays(7)))));
    }
}
