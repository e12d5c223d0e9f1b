package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.TestTokens;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job webhook through the real path: subscribed over HTTP, the job submitted, relayed, applied by
 * the bulk-worker (whose transaction writes the job's event), and the signed message delivered by the
 * gateway to a receiver that verifies it with the Standard Webhooks library.
 */
class JobWebhookEndToEndIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ServiceStack stack = TestStack.get();

    private final List<String> verifiedBodies = new CopyOnWriteArrayList<>();

    private HttpServer receiver;

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aJobAppliedByTheWorkerIsDeliveredSigned() throws Exception {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef ann =
                portfolio.addUser("ann", AccountRole.ANALYST, List.of(portfolio.account(0), portfolio.account(1)));
        UUID admin = UUID.randomUUID();
        String token = TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER");
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), token, portfolio.id());
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String[] secret = new String[1];
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            try {
                new Webhook(secret[0]).verify(body, HttpHeaders.of(exchange.getRequestHeaders(), (n, v) -> true));
                verifiedBodies.add(body);
                exchange.sendResponseHeaders(204, -1);
            } catch (Exception invalid) {
                exchange.sendResponseHeaders(400, -1);
            }
            exchange.close();
        });
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        String created = RestClient.create()
                .post()
                .uri(stack.gatewayUrl() + "/api/v1/portfolios/" + portfolio.id() + "/webhooks")
                .headers(headers -> headers.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON)
                .body(JSON.writeValueAsString(Map.of("url", url, "eventTypes", List.of("job.completed"))))
                .retrieve()
                .body(String.class);
        secret[0] = JSON.readTree(created).path("secret").asString();

        UUID jobId = gateway.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(ann.userId())));
        JsonNode finished = gateway.awaitTerminal(jobId);

        await().atMost(Duration.ofSeconds(30)).until(() -> verifiedBodies.size() == 1);
        JsonNode message = JSON.readTree(verifiedBodies.getFirst());
        assertThat(message.path("type").asString()).isEqualTo("job.completed");
        assertThat(message.path("data")).isEqualTo(finished);
        assertThat(message.path("data").path("counts").path("succeeded").asInt())
                .isEqualTo(2);
    }
}
