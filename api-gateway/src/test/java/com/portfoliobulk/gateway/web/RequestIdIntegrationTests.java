package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every answer carries a request id, echoed when the client sent a usable one, and every problem names it. */
class RequestIdIntegrationTests extends GatewayIntegrationTest {

    @Test
    void aSentRequestIdIsEchoedAndNamedByTheProblem() {
        Answer unauthenticated =
                api.get(null, "/api/v1/portfolios/" + UUID.randomUUID() + "/accounts", id("trace-me.42"));
        Answer notFound = api.get(outsider(), "/api/v1/no-such-thing", id("abc:123"));

        assertThat(unauthenticated.status()).isEqualTo(401);
        assertThat(unauthenticated.header("X-Request-Id")).isEqualTo("trace-me.42");
        assertThat(unauthenticated.body().path("requestId").asString()).isEqualTo("trace-me.42");
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("X-Request-Id")).isEqualTo("abc:123");
        assertThat(notFound.body().path("requestId").asString()).isEqualTo("abc:123");
    }

    @Test
    void withoutAUsableRequestIdTheGatewayMakesOne() {
        UUID portfolio = directory.portfolio().id();

        Answer none = api.get(admin(portfolio), "/api/v1/portfolios/" + portfolio + "/accounts");
        Answer unusable = api.get(outsider(), "/api/v1/no-such-thing", id("a b\"<script>"));
        Answer tooLong = api.get(outsider(), "/api/v1/no-such-thing", id("x".repeat(129)));

        assertThat(none.status()).isEqualTo(200);
        assertThat(UUID.fromString(none.header("X-Request-Id"))).isNotNull();
        assertThat(UUID.fromString(unusable.header("X-Request-Id"))).isNotNull();
        assertThat(unusable.body().path("requestId").asString()).isEqualTo(unusable.header("X-Request-Id"));
        assertThat(UUID.fromString(tooLong.header("X-Request-Id"))).isNotNull();
    }

    private static Map<String, String> id(String value) {
        return Map.of("X-Request-Id", value);
    }
}
