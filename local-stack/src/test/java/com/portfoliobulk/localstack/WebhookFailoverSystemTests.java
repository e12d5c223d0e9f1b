package com.portfoliobulk.localstack;

import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * Two api-gateway processes deliver job webhooks to one receiver, and one of them is killed
 * ({@code kill -9}) while the receiver holds the messages it is sending, unanswered. The other gateway
 * sends those again once their lease has passed, under the same {@code webhook-id}, and the rest:
 * every job's message arrives, verified by the Standard Webhooks library, the killed gateway's ones a
 * second time, as README's "Job webhooks" promises (at least once; deduplicate on {@code webhook-id}).
 *
 * <p>The {@link FaultStack}'s own gateway takes the jobs and delivers no webhook; the two here deliver
 * and relay nothing.
 */
class WebhookFailoverSystemTests {

    private static final int JOBS = 12;

    /** What each gateway sends at once to one subscription at most (its default): both hold this many. */
    private static final int PER_GATEWAY = 4;

    /**
     * How long a gateway waits for the receiver's answer: the first of the messages held waits until
     * the eighth has come, a job's end later or more on a slow machine, and must not time out.
     */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    /** Longer than the connect (1 s) and read timeouts together, as a claimed message's lease must be. */
    private static final Duration LEASE = READ_TIMEOUT.plusSeconds(5);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private static final List<String> ENDINGS = List.of("job.completed", "job.failed", "job.cancelled");

    @Test
    void aGatewayKilledWhileDeliveringLosesNoMessageAndTheOtherSendsItsOnesAgainUnderTheSameWebhookId()
            throws Exception {
        FaultStack stack = FaultStack.get();
        ServiceProcess first = startDeliverer(stack, "fault-webhooks-a");
        ServiceProcess second = startDeliverer(stack, "fault-webhooks-b");
        try (Receiver receiver = Receiver.start(2 * PER_GATEWAY)) {
            first.awaitReady(ServiceProcesses.STARTUP);
            second.awaitReady(ServiceProcesses.STARTUP);
            TestPortfolio portfolio = TestPortfolio.seed(stack.invariants().dataSource(), 1);
            GatewayClient client = stack.ownerClient(portfolio);
            ResponseEntity<String> subscribed =
                    client.call("POST", "/webhooks", Map.of("url", receiver.url(), "eventTypes", ENDINGS));
            assertThat(subscribed.getStatusCode().value())
                    .as(subscribed.getBody())
                    .isEqualTo(201);
            JsonNode subscription = GatewayClient.json(subscribed.getBody());
            receiver.verifyWith(subscription.path("secret").asString());
            String deliveries =
                    "/webhooks/" + subscription.path("subscriptionId").asString() + "/deliveries";

            List<UUID> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                UUID leaver = portfolio
                        .addUser("leaver" + i, AccountRole.ANALYST, portfolio.accounts())
                        .userId();
                jobs.add(client.submit(Map.of(
                        "type", "REMOVE_ACCESS", "userIds", List.of(leaver), "accountIds", portfolio.accounts())));
            }
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> receiver.received().size() == 2 * PER_GATEWAY);
            // Each gateway holds four messages, unanswered; the victim is the one sending the first.
            List<Received> held = receiver.received();
            ServiceProcess victim =
                    LocalPorts.of(first.pid()).contains(held.getFirst().remotePort()) ? first : second;
            ServiceProcess survivor = victim == first ? second : first;
            Set<Integer> victimsPorts = LocalPorts.of(victim.pid());
            Set<String> victimsMessages = held.stream()
                    .filter(message -> victimsPorts.contains(message.remotePort()))
                    .map(Received::webhookId)
                    .collect(toSet());
            long killedAt = System.nanoTime();
            victim.kill9();
            receiver.release();

            // Done when the gateway records every message as delivered.
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> GatewayClient.json(client.call("GET", deliveries + "?limit=50", null)
                                            .getBody())
                                    .path("items")
                                    .valueStream()
                                    .filter(item ->
                                            item.path("status").asString().equals("SUCCEEDED"))
                                    .count()
                            == JOBS);
            Duration allDelivered = Duration.ofNanos(System.nanoTime() - killedAt);
            List<Received> received = receiver.received();
            Map<String, List<Received>> byWebhookId = received.stream().collect(groupingBy(Received::webhookId));
            Set<String> twice = byWebhookId.entrySet().stream()
                    .filter(entry -> entry.getValue().size() > 1)
                    .map(Map.Entry::getKey)
                    .collect(toSet());
            System.out.printf(
                    "Webhook gateway killed holding %d of %d messages (the other holding %d); every message"
                            + " delivered %d ms after the kill; %d received in all, %d twice%n",
                    victimsMessages.size(),
                    JOBS,
                    held.size() - victimsMessages.size(),
                    allDelivered.toMillis(),
                    received.size(),
                    twice.size());

            assertThat(victimsMessages).as("the killed gateway held its share").hasSize(PER_GATEWAY);
            assertThat(received)
                    .as("every copy is signed by the subscription's secret")
                    .allMatch(Received::verified);
            assertThat(received.stream()
                            .map(message -> GatewayClient.json(message.body())
                                    .path("data")
                                    .path("jobId")
                                    .asString())
                            .map(UUID::fromString)
                            .collect(toSet()))
                    .as("every job's end reached the receiver")
                    .containsExactlyInAnyOrderElementsOf(jobs);
            assertThat(twice)
                    .as("the killed gateway's messages, and only those, came a second time")
                    .isEqualTo(victimsMessages);
            byWebhookId.forEach((webhookId, copies) -> assertThat(
                            copies.stream().map(Received::body).distinct())
                    .as("the body of every copy of %s", webhookId)
                    .hasSize(1));
            assertThat(allDelivered)
                    .as("sent again once the lease has passed")
                    .isLessThan(LEASE.plus(Duration.ofSeconds(30)));
            JsonNode items = GatewayClient.json(
                            client.call("GET", deliveries + "?limit=50", null).getBody())
                    .path("items");
            assertThat(items.size()).isEqualTo(JOBS);
            for (JsonNode item : items) {
                JsonNode delivery = GatewayClient.json(client.call(
                                "GET",
                                deliveries + "/" + item.path("deliveryId").asString(),
                                null)
                        .getBody());
                assertThat(delivery.path("history").values())
                        .extracting(attempt -> attempt.path("outcome").asString())
                        .as("one attempt recorded, by the gateway that got the answer: %s", delivery)
                        .containsExactly("SUCCEEDED");
            }
            assertThat(survivor.alive()).isTrue();
        } finally {
            first.kill9();
            second.kill9();
        }
    }

    /**
     * An api-gateway that delivers webhooks (polling every 100 ms, leases of 25 s) and relays no task.
     */
    private static ServiceProcess startDeliverer(FaultStack stack, String name) {
        return stack.processes()
                .startGateway(
                        name,
                        Map.of(
                                "bulk.gateway.relay.enabled", "false",
                                "bulk.gateway.webhooks.dispatcher-enabled", "true",
                                "bulk.gateway.webhooks.poll-interval", "100ms",
                                "bulk.gateway.webhooks.connect-timeout", "1s",
                                "bulk.gateway.webhooks.read-timeout", READ_TIMEOUT.toSeconds() + "s",
                                "bulk.gateway.webhooks.lease", LEASE.toSeconds() + "s"));
    }

    /** A message as the receiver got it, and the port it came from. */
    record Received(String webhookId, String body, boolean verified, int remotePort) {}

    /**
     * A webhook receiver on loopback: it checks every message with the Standard Webhooks library and
     * holds the first ones unanswered until {@linkplain #release() released}.
     */
    private static final class Receiver implements AutoCloseable {

        private final HttpServer server;

        private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

        private final int holding;

        private final List<Received> received = new CopyOnWriteArrayList<>();

        private final CountDownLatch released = new CountDownLatch(1);

        private volatile Webhook verifier;

        private Receiver(int holding) throws IOException {
            this.holding = holding;
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(threads);
            server.createContext("/hook", this::receive);
        }

        static Receiver start(int holding) throws IOException {
            Receiver receiver = new Receiver(holding);
            receiver.server.start();
            return receiver;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        }

        void verifyWith(String secret) throws EmptyWebhookSecretException {
            verifier = new Webhook(secret);
        }

        List<Received> received() {
            return List.copyOf(received);
        }

        void release() {
            released.countDown();
        }

        private void receive(HttpExchange exchange) throws IOException {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean verified;
            try {
                verifier.verify(body, HttpHeaders.of(exchange.getRequestHeaders(), (name, value) -> true));
                verified = true;
            } catch (Exception invalid) {
                verified = false;
            }
            boolean hold;
            synchronized (received) {
                hold = received.size() < holding;
                received.add(new Received(
                        exchange.getRequestHeaders().getFirst("webhook-id"),
                        body,
                        verified,
                        exchange.getRemoteAddress().getPort()));
            }
            if (hold) {
                try {
                    released.await(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                exchange.sendResponseHeaders(204, -1);
            } catch (IOException senderGone) {
                // The killed gateway's connections are closed.
            }
            exchange.close();
        }

        @Override
        public void close() {
            release();
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
