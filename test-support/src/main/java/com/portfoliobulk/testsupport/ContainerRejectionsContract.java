package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.ProblemTypes;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every service answers to the requests its servlet container refuses before any application
 * code sees them (an encoded NUL, slash or backslash in a path segment, a control character in a
 * header value): the same 400 problem+json as every other bad request, with the product's
 * {@code invalid-request} type, never the container's HTML page. Sent over a raw socket
 * ({@link RawHttp}), as no well-behaved HTTP client would send them. A service's Spring Boot test
 * (random port) implements it and names a path of its API.
 */
public interface ContainerRejectionsContract {

    /** A path of the service's API with {@code segment} as one of its segments. */
    String pathWithSegment(String segment);

    /** Header lines (each ending in CRLF) every request carries besides {@code Host}, e.g. credentials. */
    default String extraHeaders() {
        return "";
    }

    @ParameterizedTest
    @ValueSource(strings = {"a%00b", "a%2Fb", "a%5Cb", "a%2fb", "a%5cb", "%00", "..%2F..%2Fetc"})
    default void anEncodedNulSlashOrBackslashInAPathSegmentIsABadRequestProblem(
            String segment, @Value("${local.server.port}") int port) throws IOException {
        RawHttp.Answer answer = RawHttp.send(
                port,
                "GET " + pathWithSegment(segment) + " HTTP/1.1\r\n"
                        + "Host: localhost\r\n"
                        + extraHeaders()
                        + "Connection: close\r\n\r\n");

        assertBadRequestProblem(answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0001", "\u0007", "\u007f", "\u001b[31m"})
    default void aControlCharacterInAHeaderValueIsABadRequestProblem(
            String control, @Value("${local.server.port}") int port) throws IOException {
        RawHttp.Answer answer = RawHttp.send(
                port,
                "GET " + pathWithSegment("x") + " HTTP/1.1\r\n"
                        + "Host: localhost\r\n"
                        + "X-Trace: before" + control + "after\r\n"
                        + "Connection: close\r\n\r\n");

        assertBadRequestProblem(answer);
    }

    private static void assertBadRequestProblem(RawHttp.Answer answer) {
        assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).as(answer.raw()).startsWith("application/problem+json");
        JsonNode problem = JsonMapper.builder().build().readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("type").asString()).isEqualTo(ProblemTypes.INVALID_REQUEST.toString());
        assertThat(problem.path("title").asString()).isEqualTo("Bad Request");
        assertThat(problem.path("detail").asString()).isNotBlank();
        assertThat(answer.body()).doesNotContain("<html", "Apache Tomcat", "Exception");
    }
}
