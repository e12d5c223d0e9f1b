package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Requests the servlet container refuses before any application code sees them (an encoded NUL,
 * slash or backslash in a path segment, a control character in a header value) are answered with
 * the same problem+json as every other bad request, never the container's HTML page. Sent over a raw
 * socket, as no well-behaved HTTP client would send them.
 */
class ContainerRejectionsIntegrationTests extends GatewayIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @ParameterizedTest
    @ValueSource(strings = {"a%00b", "a%2Fb", "a%5Cb", "a%2fb", "a%5cb", "%00", "..%2F..%2Fetc"})
    void anEncodedNulSlashOrBackslashInAPathSegmentIsABadRequestProblem(String segment) throws IOException {
        String answer = send("GET /api/v1/portfolios/" + segment + "/bulk-jobs HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "Authorization: Bearer " + admin(UUID.randomUUID()) + "\r\n"
                + "Connection: close\r\n\r\n");

        assertBadRequestProblem(answer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0001", "\u0007", "\u007f", "\u001b[31m"})
    void aControlCharacterInAHeaderValueIsABadRequestProblem(String control) throws IOException {
        String answer = send("GET /api/v1/portfolios/" + UUID.randomUUID() + "/bulk-jobs HTTP/1.1\r\n"
                + "Host: localhost\r\n"
                + "X-Trace: before" + control + "after\r\n"
                + "Connection: close\r\n\r\n");

        assertBadRequestProblem(answer);
    }

    private static void assertBadRequestProblem(String answer) {
        String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(head).as(answer).startsWith("HTTP/1.1 400");
        assertThat(head.toLowerCase()).as(answer).contains("content-type: application/problem+json");
        JsonNode problem = JSON.readTree(dechunk(head, body));
        assertThat(problem.path("status").asInt()).isEqualTo(400);
        assertThat(problem.path("type").asString()).isEqualTo(Problems.INVALID_REQUEST.toString());
        assertThat(problem.path("detail").asString()).isNotBlank();
        assertThat(body).doesNotContain("<html", "Apache Tomcat", "Exception");
    }

    private static String dechunk(String head, String body) {
        if (!head.toLowerCase().contains("transfer-encoding: chunked")) {
            return body;
        }
        StringBuilder json = new StringBuilder();
        String rest = body;
        while (true) {
            int lineEnd = rest.indexOf("\r\n");
            int size = Integer.parseInt(rest.substring(0, lineEnd).strip(), 16);
            if (size == 0) {
                return json.toString();
            }
            json.append(rest, lineEnd + 2, lineEnd + 2 + size);
            rest = rest.substring(lineEnd + 2 + size + 2);
        }
    }

    private String send(String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("localhost", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
