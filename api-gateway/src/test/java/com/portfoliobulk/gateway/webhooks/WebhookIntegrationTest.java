package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.StubWorker;
import com.portfoliobulk.gateway.support.WorkerSimulation;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;

/**
 * The gateway with webhooks configured (a secret key, receivers on this machine allowed, short
 * back-off and polling), a receiver per test, and a portfolio whose jobs the test ends the way the
 * worker does. Every subclass shares one application context; while the rest of the suite runs, its
 * dispatcher does not keep polling: the context cache pauses a context (stops its lifecycle beans, the
 * dispatcher among them) once a test uses another one.
 */
@TestPropertySource(
        properties = {
            "bulk.gateway.webhooks.secret-key=" + WebhookIntegrationTest.SECRET_KEY,
            "bulk.gateway.webhooks.allow-local-urls=true",
            "bulk.gateway.webhooks.initial-backoff=200ms",
            "bulk.gateway.webhooks.max-backoff=1s",
            "bulk.gateway.webhooks.poll-interval=100ms",
            "bulk.gateway.webhooks.connect-timeout=1s",
            // A receiver holding a request is answered only when the test lets it go: it must not time out
            // first on a slow machine and be sent the message again.
            "bulk.gateway.webhooks.read-timeout=20s",
            "bulk.gateway.webhooks.lease=25s",
            "bulk.gateway.webhooks.max-concurrent-per-subscription=2",
            // Few slots, so that one portfolio's receivers could hold them all but for its share.
            "bulk.gateway.webhooks.max-concurrent-deliveries=6",
            "bulk.gateway.webhooks.max-concurrent-per-portfolio=4",
            "bulk.gateway.webhooks.backlog-refresh-interval=50ms",
            // Tasks are ended here as the worker would; no relay of this context competes with the others'.
            "bulk.gateway.relay.enabled=false"
        })
@Import({WebhookIntegrationTest.GatewayClock.class, WebhookIntegrationTest.GatewayHosts.class})
abstract class WebhookIntegrationTest extends GatewayIntegrationTest {

    /** base64 of 32 bytes: the key that encrypts stored secrets in tests. */
    static final String SECRET_KEY = "dGVzdC1rZXktZm9yLXdlYmhvb2stc2VjcmV0cy0zMmI=";

    static final Duration PATIENCE = Duration.ofSeconds(20);

    @Autowired
    PlatformTransactionManager transactions;

    /** The gateway's clock, which a test may set off the database's (and the receiver's). */
    @Autowired
    ShiftedClock gatewayClock;

    /** Host names the gateway resolves as a test says, every other one as the system does. */
    @Autowired
    TestHosts hosts;

    WorkerSimulation worker;

    DirectorySeed.Portfolio portfolio;

    UUID ann;

    WebhookReceiver receiver;

    /** A stand-in worker, which a close of the portfolio asks to unlink its accounts. */
    @DynamicPropertySource
    static void stubWorker(DynamicPropertyRegistry registry) {
        registry.add("bulk.gateway.worker-base-url", () -> StubWorker.get().baseUrl());
    }

    @BeforeEach
    void arrangeWebhooks() throws Exception {
        worker = new WorkerSimulation(jdbc, transactions);
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        receiver = new WebhookReceiver();
    }

    /**
     * Deletes the portfolio's subscriptions, their messages with them, before the receiver's port is let
     * go: a message still pending would be retried against that port for the whole retry period, and
     * a later test's receiver given the same port would receive it.
     */
    @AfterEach
    void closeReceiver() {
        gatewayClock.shift(Duration.ZERO);
        hosts.clear();
        jdbc.sql("DELETE FROM jobs.webhook_subscriptions WHERE portfolio_id = :portfolio")
                .param("portfolio", portfolio.id())
                .update();
        receiver.close();
    }

    String webhooksPath() {
        return "/api/v1/portfolios/" + portfolio.id() + "/webhooks";
    }

    /** Subscribes {@code path} of the receiver to the events; the receiver verifies with its secret. */
    JsonNode subscribe(String path, String... eventTypes) {
        String types = List.of(eventTypes).stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(","));
        Answer created = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + receiver.url(path) + "\",\"eventTypes\":[" + types + "]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        receiver.verifying(path, created.body().path("secret").asString());
        return created.body();
    }

    /** A queued job offboarding ann from {@code accounts} new accounts. */
    UUID job(int accounts) {
        List<UUID> ids = portfolio.accounts(accounts);
        ids.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        return accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
    }

    /** Ends the job's tasks as the worker would: all succeeded, or the first failed. */
    void finish(UUID jobId, boolean firstFails) {
        List<UUID> tasks = worker.taskIds(jobId);
        for (int i = 0; i < tasks.size(); i++) {
            if (i == 0 && firstFails) {
                worker.apply(tasks.get(i), "FAILED", "RETRIES_EXHAUSTED", null);
            } else {
                worker.apply(tasks.get(i), "SUCCEEDED", null, "ANALYST");
            }
        }
    }

    JsonNode jobStatus(UUID jobId) {
        return api.get(admin(portfolio.id()), jobPath(portfolio.id(), jobId)).body();
    }

    JsonNode deliveries(String subscriptionId) {
        Answer answer = api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/deliveries");
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body().path("items");
    }

    /** Asks for the message to be sent again, as the API's client would. */
    Answer redeliver(String subscriptionId, String deliveryId) {
        return api.post(
                admin(portfolio.id()),
                webhooksPath() + "/" + subscriptionId + "/deliveries/" + deliveryId + "/redeliver",
                null,
                null);
    }

    /** Waits until {@code path} received {@code count} requests, and that it stays so for a second. */
    void awaitReceivedOnly(String path, int count) {
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> receiver.received(path).size() == count);
    }

    /** The subscription's only message, once it is no longer pending. */
    JsonNode settledDelivery(String subscriptionId) {
        await().atMost(PATIENCE).until(() -> {
            JsonNode items = deliveries(subscriptionId);
            return items.size() == 1 && !items.get(0).path("status").asString().equals("PENDING");
        });
        String deliveryId = deliveries(subscriptionId).get(0).path("deliveryId").asString();
        Answer answer =
                api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/deliveries/" + deliveryId);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body();
    }

    /** The gateway's clock, the system's until a test shifts it. */
    @TestConfiguration(proxyBeanMethods = false)
    static class GatewayClock {

        @Bean
        ShiftedClock gatewayClock() {
            return new ShiftedClock();
        }
    }

    /**
     * The gateway's resolver of receiver hosts: the names a test gives addresses resolve to those until
     * the test makes them stop resolving, as a name whose DNS fails; every other name resolves as the
     * system resolves it.
     */
    static final class TestHosts implements ReceiverAddresses.Resolver {

        /** The names a test gave, with their addresses: none once they stopped resolving. */
        private final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();

        /** {@code host} resolves to {@code address} (an IP address as written) from now on. */
        void resolve(String host, String address) throws UnknownHostException {
            names.put(host.toLowerCase(Locale.ROOT), List.of(InetAddress.getByName(address)));
        }

        /** {@code host} does not resolve from now on. */
        void stopResolving(String host) {
            names.put(host.toLowerCase(Locale.ROOT), List.of());
        }

        void clear() {
            names.clear();
        }

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            List<InetAddress> given = names.get(host.toLowerCase(Locale.ROOT));
            if (given == null) {
                return InetAddress.getAllByName(host);
            }
            if (given.isEmpty()) {
                throw new UnknownHostException(host);
            }
            return given.toArray(InetAddress[]::new);
        }
    }

    /** Receiver hosts resolved through {@link TestHosts}, with the gateway's rules for their addresses. */
    @TestConfiguration(proxyBeanMethods = false)
    static class GatewayHosts {

        @Bean
        TestHosts testHosts() {
            return new TestHosts();
        }

        @Bean
        @Primary
        ReceiverAddresses testReceiverAddresses(WebhookProperties properties, TestHosts hosts) {
            return new ReceiverAddresses(properties.allowLocalUrls(), hosts);
        }
    }
}
