package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.time.Duration;
import java.util.Collections;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A subscription URL that would make the gateway call into its own network is refused, naming the
 * field, and nothing is stored. Runs on the gateway as deployed (no local URLs allowed, and no
 * secret key, so that a valid request shows what an unconfigured gateway answers).
 */
class WebhookUrlSafetyIntegrationTests extends GatewayIntegrationTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://127.0.0.1/hook",
                "https://localhost:8443/hook",
                "https://10.1.2.3/hook",
                "https://172.16.0.1/hook",
                "https://192.168.1.20/hook",
                "https://169.254.169.254/latest/meta-data/",
                "https://100.64.0.1/hook",
                "https://0.0.0.0/hook",
                "https://[::1]/hook",
                "https://[fd00:ec2::254]/hook",
                "https://[::ffff:10.0.0.1]/hook",
                "https://[::10.0.0.1]/hook",
                "https://[64:ff9b::a9fe:a9fe]/hook",
                "https://[::ffff:0:a9fe:a9fe]/hook",
                "https://[2002:a00:1::1]/hook",
                "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",
                "https://[100::1]/hook"
            })
    void aUrlToAnInternalAddressIsRefused(String url) {
        UUID portfolioId = directory.portfolio().id();

        Answer answer = subscribe(portfolioId, "{\"url\":\"" + url + "\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(answer, 422, "url");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("private", "public address");
        assertThat(subscriptionCount(portfolioId)).isZero();
    }

    @Test
    void aNameResolvingToAnInternalAddressIsRefusedWithoutNamingTheAddress() {
        UUID portfolioId = directory.portfolio().id();

        Answer answer =
                subscribe(portfolioId, "{\"url\":\"https://localhost:8443/hook\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(answer, 422, "url");
        assertThat(answer.text()).contains("loopback").doesNotContain("127.0.0.1", "0:0:0:0:0:0:0:1", "::1");
        assertThat(subscriptionCount(portfolioId)).isZero();
        // Nor whether the name exists at all: a name that does not resolve is refused in the same words.
        Answer unknown = subscribe(
                portfolioId, "{\"url\":\"https://no-such-host.invalid/hook\",\"eventTypes\":[\"job.completed\"]}");
        assertFieldProblem(unknown, 422, "url");
        assertThat(unknown.body().path("errors").get(0).path("message").asString())
                .isEqualTo(answer.body().path("errors").get(0).path("message").asString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://203.0.113.10/hook",
                "ftp://203.0.113.10/hook",
                "https://user:pw@203.0.113.10/",
                "no url",
                "https://203.0.113.10:99999/hook",
                "https://203.0.113.10:0/hook"
            })
    void aUrlThatIsNotPlainHttpsIsRefused(String url) {
        UUID portfolioId = directory.portfolio().id();

        Answer answer = subscribe(portfolioId, "{\"url\":\"" + url + "\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(answer, 422, "url");
        assertThat(subscriptionCount(portfolioId)).isZero();
    }

    /** A host that java.net.URI cannot read as one is named as such, with what a host may hold. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://exa_mple.com/hook",
                "https://b\u00fccher.example/hook",
                "https://hooks.example.com:99999999999/hook"
            })
    void aHostThatCannotBeReadSaysWhatAHostMayHold(String url) {
        UUID portfolioId = directory.portfolio().id();

        Answer answer = subscribe(portfolioId, "{\"url\":\"" + url + "\",\"eventTypes\":[\"job.completed\"]}");

        assertFieldProblem(answer, 422, "url");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("letters, digits, hyphens and dots", "xn--", "port from 1 to 65535");
        assertThat(subscriptionCount(portfolioId)).isZero();
    }

    /**
     * A request that reads but cannot be carried out is 422 naming every field, as a job request or an
     * administration request is (it was 400); an event type that is none is 400, as a job's unknown
     * {@code type} is, naming it alone.
     */
    @Test
    void everyInvalidFieldIsNamed() {
        UUID portfolioId = directory.portfolio().id();

        Answer answer = subscribe(
                portfolioId,
                "{\"url\":\"https://10.0.0.1/\",\"eventTypes\":[\"job.completed\",\"job.failed\",\"job.completed\"],"
                        + "\"progressIntervalSeconds\":30}");

        assertFieldProblem(answer, 422, "url", "eventTypes[2]", "progressIntervalSeconds");
        assertThat(answer.body().path("title").asString()).isEqualTo("Invalid webhook subscription");
        assertFieldProblem(
                subscribe(
                        portfolioId,
                        "{\"url\":\"https://203.0.113.10/\",\"eventTypes\":[\"job.progress\"],"
                                + "\"progressIntervalSeconds\":1}"),
                422,
                "progressIntervalSeconds");
        assertFieldProblem(subscribe(portfolioId, "{\"url\":\"https://203.0.113.10/\"}"), 422, "eventTypes");
        assertFieldProblem(subscribe(portfolioId, "{\"eventTypes\":[\"job.completed\"]}"), 422, "url");

        Answer unknown = subscribe(
                portfolioId,
                "{\"url\":\"https://10.0.0.1/\",\"eventTypes\":[\"job.completed\",\"job.exploded\",\"job.completed\"],"
                        + "\"progressIntervalSeconds\":30}");
        assertFieldProblem(unknown, 400, "eventTypes[1]");
        assertThat(unknown.body().path("title").asString()).isEqualTo("Invalid webhook subscription");
        assertThat(unknown.body().path("errors").get(0).path("message").asString())
                .isEqualTo("'job.exploded' is not one of job.completed, job.failed, job.cancelled, job.progress");
        assertThat(subscriptionCount(portfolioId)).isZero();
    }

    /** As every answer, at most 20 problems: a list of 100,000 repeats costs what a short one does. */
    @Test
    void aHugeListOfEventTypesIsAnsweredWithTheFirstTwentyProblemsAtOnce() {
        UUID portfolioId = directory.portfolio().id();
        String repeats = String.join(",", Collections.nCopies(100_000, "\"job.completed\""));

        long start = System.nanoTime();
        Answer answer = subscribe(portfolioId, "{\"url\":\"https://203.0.113.10/\",\"eventTypes\":[" + repeats + "]}");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer.status()).as(answer.text()).isEqualTo(422);
        assertThat(answer.body().path("errors").size()).isEqualTo(20);
        assertThat(answer.body().path("errors").get(0).path("field").asString()).isEqualTo("eventTypes[1]");
        assertThat(answer.body().path("detail").asString())
                .contains("'eventTypes[20]'")
                .doesNotContain("'eventTypes[21]'");
        assertThat(subscriptionCount(portfolioId)).isZero();
        // It took 28 to 34 s before the cap (every repeat listed, the detail joined pairwise); a
        // machine would have to be very slow to take 10 s now.
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aGatewayWithoutASecretKeyCannotCreateSubscriptions() {
        UUID portfolioId = directory.portfolio().id();

        Answer answer =
                subscribe(portfolioId, "{\"url\":\"https://203.0.113.10/hook\",\"eventTypes\":[\"job.completed\"]}");

        assertProblem(answer, 503);
        assertThat(answer.body().path("detail").asString()).contains("bulk.gateway.webhooks.secret-key");
        assertThat(subscriptionCount(portfolioId)).isZero();
    }

    private Answer subscribe(UUID portfolioId, String body) {
        return api.post(admin(portfolioId), "/api/v1/portfolios/" + portfolioId + "/webhooks", null, body);
    }

    private long subscriptionCount(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.webhook_subscriptions WHERE portfolio_id = :p")
                .param("p", portfolioId)
                .query(Long.class)
                .single();
    }
}
