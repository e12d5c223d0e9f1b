package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.ContainerRejectionsContract;
import com.portfoliobulk.testsupport.RawHttp;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests the servlet container refuses before any application code sees them (an encoded NUL,
 * slash or backslash in a path segment, a control character in a header value) are answered with
 * the same problem+json as every other bad request, never the container's HTML page; the cases are
 * {@link ContainerRejectionsContract}'s, sent with a valid token to a job list. As every answer of the
 * gateway, such a refusal carries the request's id.
 */
class ContainerRejectionsIntegrationTests extends GatewayIntegrationTest implements ContainerRejectionsContract {

    @Override
    public String pathWithSegment(String segment) {
        return "/api/v1/portfolios/" + segment + "/bulk-jobs";
    }

    @Override
    public String extraHeaders() {
        return "Authorization: Bearer " + admin(UUID.randomUUID()) + "\r\n";
    }

    /**
     * The refusal names the client's {@code X-Request-Id} when it is usable, in the header and as the
     * problem's {@code requestId}, as any other answer would; otherwise an id of its own, the same in both.
     */
    @Test
    void aRefusalCarriesTheRequestsId() throws Exception {
        RawHttp.Answer own = refused("X-Request-Id: abc\r\n");
        assertThat(own.status()).as(own.raw()).isEqualTo(400);
        assertThat(own.header("X-Request-Id")).as(own.raw()).isEqualTo("abc");
        assertThat(requestId(own)).isEqualTo("abc");

        for (String sent :
                new String[] {"", "X-Request-Id: not usable\r\n", "X-Request-Id: " + "a".repeat(129) + "\r\n"}) {
            RawHttp.Answer answer = refused(sent);
            assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
            String id = answer.header("X-Request-Id");
            assertThat(UUID.fromString(id).toString()).as(answer.raw()).isEqualTo(id);
            assertThat(requestId(answer)).isEqualTo(id);
        }
    }

    private RawHttp.Answer refused(String headers) throws Exception {
        return RawHttp.send(
                port,
                "GET " + pathWithSegment("a%2Fb") + " HTTP/1.1\r\nHost: localhost\r\n" + extraHeaders() + headers
                        + "Connection: close\r\n\r\n");
    }

    private static String requestId(RawHttp.Answer answer) {
        return JsonMapper.builder()
                .build()
                .readTree(answer.body())
                .path("requestId")
                .asString();
    }
}
