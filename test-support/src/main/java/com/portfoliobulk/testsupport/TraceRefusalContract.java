package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.ProblemTypes;
import java.io.IOException;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every service answers to {@code TRACE} on a path of its API: 405 as its problem+json naming
 * the method, with the methods the path takes in {@code Allow} (not the container's fixed list), and
 * never an echo of the request: the credentials it carried do not come back. Sent over a raw socket
 * ({@link RawHttp}), so that the answer is seen as the server wrote it. A service's Spring Boot test
 * (random port) implements it and names a path of its API and the methods it takes there.
 */
public interface TraceRefusalContract {

    /** The credentials the {@code TRACE} carries; an echo of the request would show them. */
    String CREDENTIALS = "Bearer trace-must-not-echo-these-credentials";

    /** A path of the service's API. */
    String tracedPath();

    /** The methods the service takes on {@link #tracedPath()}: its {@code Allow} for a method it does not. */
    Set<String> methodsOfTracedPath();

    @Test
    default void traceIsAMethodNotAllowedProblemWithThePathsMethodsAndNoEcho(@Value("${local.server.port}") int port)
            throws IOException {
        RawHttp.Answer answer = RawHttp.send(
                port,
                "TRACE " + tracedPath() + " HTTP/1.1\r\n"
                        + "Host: localhost\r\n"
                        + "Authorization: " + CREDENTIALS + "\r\n"
                        + "Connection: close\r\n\r\n");

        assertThat(answer.status()).as(answer.raw()).isEqualTo(405);
        assertThat(answer.header("Content-Type")).as(answer.raw()).startsWith("application/problem+json");
        assertThat(methods(answer.header("Allow"))).as(answer.raw()).isEqualTo(methodsOfTracedPath());
        JsonNode problem = JsonMapper.builder().build().readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(405);
        assertThat(problem.path("type").asString())
                .isEqualTo(ProblemTypes.forStatus(405).toString());
        assertThat(problem.path("detail").asString()).contains("TRACE");
        assertThat(answer.raw()).doesNotContain("message/http", "Authorization", CREDENTIALS, "trace-must-not-echo");
    }

    private static Set<String> methods(String allow) {
        return Arrays.stream(allow.split(","))
                .map(String::strip)
                .filter(method -> !method.isEmpty())
                .collect(Collectors.toSet());
    }
}
