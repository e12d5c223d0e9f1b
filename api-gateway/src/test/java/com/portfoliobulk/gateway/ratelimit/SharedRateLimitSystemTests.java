package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.OwnDatabase;
import com.portfoliobulk.gateway.support.StandaloneGateway;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two gateways on one database, called at once and in turn, admit a portfolio's allowance once in all,
 * not once each. They have a database of their own, so that no other gateway of the test JVM counts
 * or relays anything in it.
 */
class SharedRateLimitSystemTests {

    private static final int LIMIT = 5;

    private static OwnDatabase database;

    private static ConfigurableApplicationContext first;

    private static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoGateways() throws Exception {
        database = OwnDatabase.create("ratelimits");
        first = start(database.endpoint());
        second = start(database.endpoint());
    }

    @AfterAll
    static void stopGateways() throws Exception {
        for (ConfigurableApplicationContext gateway : new ConfigurableApplicationContext[] {first, second}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void submissionsToBothGatewaysAtOnceAreAdmittedExactlyUpToTheLimitInAll() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(first.getBean(JdbcClient.class)).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Alpha"), ann, AccountRole.ANALYST);
        String token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
        String path = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs";
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
        List<GatewayCalls> gateways = List.of(StandaloneGateway.api(first), StandaloneGateway.api(second));
        List<Callable<Answer>> submissions = new ArrayList<>();
        for (int i = 0; i < 4 * LIMIT; i++) {
            GatewayCalls gateway = gateways.get(i % 2);
            submissions.add(() -> gateway.post(token, path, UUID.randomUUID().toString(), body));
        }

        List<Answer> answers = new ArrayList<>();
        try (ExecutorService callers = Executors.newFixedThreadPool(8)) {
            for (Future<Answer> answer : callers.invokeAll(submissions)) {
                answers.add(answer.get());
            }
        }

        assertThat(answers).filteredOn(answer -> answer.status() == 202).hasSize(LIMIT);
        List<Answer> limited =
                answers.stream().filter(answer -> answer.status() == 429).toList();
        assertThat(limited).hasSize(3 * LIMIT).allSatisfy(answer -> {
            assertThat(answer.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(answer.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:rate-limited");
            assertThat(Integer.parseInt(answer.header("Retry-After"))).isBetween(1, 60);
            assertThat(answer.header("RateLimit-Policy")).isEqualTo("\"submissions\";q=" + LIMIT + ";w=60");
            assertThat(answer.header("RateLimit-Remaining")).isEqualTo("0");
        });
        assertThat(first.getBean(JdbcClient.class)
                        .sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(LIMIT);
    }

    @Test
    void aPortfolioThatUsedItsAllowanceOnOneGatewayIsRefusedByTheOther() {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(first.getBean(JdbcClient.class)).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Alpha"), ann, AccountRole.ANALYST);
        String token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
        String preview = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/preview";
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
        for (int i = 0; i < LIMIT; i++) {
            assertThat(StandaloneGateway.api(first)
                            .post(token, preview, null, body)
                            .status())
                    .isEqualTo(200);
        }

        Answer refused = StandaloneGateway.api(second).post(token, preview, null, body);

        assertThat(refused.status()).as(refused.text()).isEqualTo(429);
        assertThat(refused.header("RateLimit")).startsWith("\"previews\";r=0;t=");
    }

    private static ConfigurableApplicationContext start(DatabaseEndpoint database) {
        return StandaloneGateway.start(
                database,
                SharedInfrastructure.kafkaBootstrapServers(),
                "--bulk.gateway.permissions.source=identity-provider",
                "--bulk.gateway.relay.enabled=false",
                "--bulk.gateway.webhooks.dispatcher-enabled=false",
                "--bulk.gateway.rate-limit.submissions.limit-for-period=" + LIMIT,
                "--bulk.gateway.rate-limit.previews.limit-for-period=" + LIMIT);
    }
}
