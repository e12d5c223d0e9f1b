package com.portfoliobulk.gateway.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The running gateway on the shared PostgreSQL and Kafka, with a directory seed, HTTP clients of its
 * API port and of its management port (the actuator) and tokens. Every subclass shares one
 * application context. The gateway accepts what was made with a second secret, as while the internal
 * token secret is rotated ({@link TestTokens#ACCEPTED_INTERNAL_SECRET}). A submission's sort memory
 * is written in Spring's units ({@code 262144KB}, 256 MB), which are not PostgreSQL's ({@code kB}).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            TestTokens.ACCEPTED_INTERNAL_SECRET_PROPERTY,
            "bulk.gateway.jobs.submission-work-mem=262144KB"
        })
public abstract class GatewayIntegrationTest {

    /** The administrator every {@link #admin} token names. */
    protected static final UUID ADMIN_ID = UUID.fromString("0a0a0a0a-0000-4000-8000-00000000ad01");

    protected static final String ADMIN_EMAIL = "admin@agency.test";

    @LocalServerPort
    protected int port;

    /** The actuator's port, a random one of its own as the gateway's default configuration asks. */
    @LocalManagementPort
    protected int managementPort;

    @Autowired
    protected JdbcClient jdbc;

    @Value("${spring.kafka.bootstrap-servers}")
    protected String bootstrapServers;

    @Value("${bulk.gateway.relay.topic}")
    protected String topic;

    protected DirectorySeed directory;

    protected GatewayCalls api;

    /** Calls the actuator (health, info, metrics) on the management port. */
    protected GatewayCalls management;

    @BeforeEach
    void connectToGateway() {
        directory = new DirectorySeed(jdbc);
        api = new GatewayCalls(port);
        management = new GatewayCalls(managementPort);
    }

    /** A token of the Portfolio Owner. */
    protected static String admin(UUID portfolioId) {
        return TestTokens.token(ADMIN_ID, ADMIN_EMAIL, portfolioId, "OWNER");
    }

    /** A token of a portfolio user with User Management EDIT. */
    protected static String editor(UUID portfolioId) {
        return TestTokens.token(UUID.randomUUID(), "editor@agency.test", portfolioId, "USER_MANAGEMENT_EDIT");
    }

    /** A token of a portfolio user who may only read. */
    protected static String viewer(UUID portfolioId) {
        return TestTokens.token(UUID.randomUUID(), "viewer@agency.test", portfolioId, "USER_MANAGEMENT_VIEW");
    }

    /** A token of someone with permissions on another portfolio only. */
    protected static String outsider() {
        return TestTokens.token(UUID.randomUUID(), "outsider@agency.test", UUID.randomUUID(), "OWNER");
    }

    protected static String jobsPath(UUID portfolioId) {
        return "/api/v1/portfolios/" + portfolioId + "/bulk-jobs";
    }

    protected static String jobPath(UUID portfolioId, Object jobId) {
        return jobsPath(portfolioId) + "/" + jobId;
    }

    /** Submits {@code body} as the Portfolio Owner with a fresh Idempotency-Key. */
    protected Answer submit(UUID portfolioId, String body) {
        return api.post(
                admin(portfolioId), jobsPath(portfolioId), UUID.randomUUID().toString(), body);
    }

    /** Submits {@code body} and asserts it was accepted; answers the job id. */
    protected UUID accepted(UUID portfolioId, String body) {
        Answer answer = submit(portfolioId, body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        return UUID.fromString(answer.body().path("jobId").asString());
    }

    protected long jobCount(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = :p")
                .param("p", portfolioId)
                .query(Long.class)
                .single();
    }

    protected long taskCount(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE portfolio_id = :p")
                .param("p", portfolioId)
                .query(Long.class)
                .single();
    }

    /** The gateway's Prometheus metrics, read from the management port. */
    protected String metrics() {
        Answer answer = management.get(null, "/actuator/prometheus", Map.of("Accept", "text/plain"));
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.text();
    }

    /**
     * The job's pending tasks the relay has yet to send: beyond the job's position while it is not done,
     * or queued to be sent again.
     */
    protected long unrelayed(UUID jobId) {
        return jdbc.sql("""
                        SELECT count(*) FROM jobs.bulk_tasks t
                          JOIN jobs.bulk_jobs j ON j.id = t.job_id
                         WHERE t.job_id = :id AND t.status = 'PENDING'
                           AND ((NOT j.relay_done AND t.seq > j.relayed_seq)
                                OR t.id IN (SELECT r.task_id FROM jobs.task_republications r))
                        """).param("id", jobId).query(Long.class).single();
    }

    /** Asserts a problem+json answer with {@code status}. */
    protected static void assertProblem(Answer answer, int status) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(answer.body().path("status").asInt()).isEqualTo(status);
        assertThat(answer.body().path("detail").asString()).isNotBlank();
        assertThat(answer.text()).doesNotContain("Exception", "SELECT", "INSERT");
    }

    /** Asserts a problem+json answer with {@code status} whose {@code errors} name exactly these fields. */
    protected static void assertFieldProblem(Answer answer, int status, String... fields) {
        assertProblem(answer, status);
        assertThat(answer.body().path("errors").values())
                .extracting(error -> error.path("field").asString())
                .containsExactly(fields);
    }
}
