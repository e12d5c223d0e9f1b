package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.OwnDatabase;
import com.portfoliobulk.gateway.support.StandaloneGateway;
import com.portfoliobulk.gateway.webhooks.WebhookReceiver.Received;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A gateway stopped after a job ended and before its message was delivered (here: while the receiver
 * is still holding the request) loses nothing: another gateway started on the same database delivers
 * the message once the stopped one's lease has passed. Both gateways have a database of their own,
 * so that no other gateway of the test JVM delivers its messages.
 */
class WebhookRestartSystemTests {

    private OwnDatabase database;

    private ConfigurableApplicationContext gateway;

    private WebhookReceiver receiver;

    @AfterEach
    void tearDown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aMessageOfAGatewayStoppedBeforeDeliveringItIsDeliveredAfterARestart() throws Exception {
        database = OwnDatabase.create("webhooks");
        receiver = new WebhookReceiver().holding("/hook");
        gateway = start(database.endpoint());
        GatewayCalls api = StandaloneGateway.api(gateway);
        Subscribed subscribed = subscribedWithAJob(api);
        String token = subscribed.token();
        String base = subscribed.base();
        String subscriptionId = subscribed.subscriptionId();
        String jobId = subscribed.jobId();

        assertThat(api.post(token, base + "/bulk-jobs/" + jobId + "/cancel", null, null)
                        .status())
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> receiver.received("/hook").size() == 1);
        gateway.close();
        receiver.release("/hook");

        gateway = start(database.endpoint());
        api = StandaloneGateway.api(gateway);

        String deliveries = base + "/webhooks/" + subscriptionId + "/deliveries";
        GatewayCalls restarted = api;
        await().atMost(Duration.ofSeconds(30))
                .until(() -> restarted
                        .get(token, deliveries)
                        .body()
                        .path("items")
                        .get(0)
                        .path("status")
                        .asString()
                        .equals("SUCCEEDED"));
        JsonNode items = api.get(token, deliveries).body().path("items");
        assertThat(items.size()).isEqualTo(1);
        JsonNode delivery = api.get(
                        token,
                        deliveries + "/" + items.get(0).path("deliveryId").asString())
                .body();
        assertThat(delivery.path("history").values())
                .extracting(attempt -> attempt.path("outcome").asString())
                .as("the stopped gateway recorded no outcome of the interrupted attempt")
                .containsExactly("SUCCEEDED");
        List<Received> received = receiver.received("/hook");
        assertThat(received).hasSize(2).allMatch(Received::signatureVerified);
        assertThat(received.get(1).header("webhook-id"))
                .isEqualTo(received.get(0).header("webhook-id"));
        assertThat(received.get(1).body()).contains(jobId, "job.cancelled");
    }

    /**
     * The dispatcher's passes fail for 14 s (the messages' table renamed away, as the database out of
     * reach) while a job ends: once the table is back, its message is delivered within the passes' own
     * back-off cap. The passes used to back off as far as the messages' retries (up to an hour): from the
     * poll interval (50 ms here) doubling, the pass after this outage came 11 s after its end, and after an outage of half an hour,
     * up to an hour after it.
     */
    @Test
    void deliveryResumesSoonAfterAnOutageOfTheDatabase() throws Exception {
        database = OwnDatabase.create("webhooks");
        receiver = new WebhookReceiver();
        gateway = start(database.endpoint(), "--bulk.gateway.webhooks.pass-max-backoff=1s");
        JdbcClient jdbc = gateway.getBean(JdbcClient.class);
        GatewayCalls api = StandaloneGateway.api(gateway);
        Subscribed subscribed = subscribedWithAJob(api);
        String token = subscribed.token();
        String base = subscribed.base();
        String jobId = subscribed.jobId();

        jdbc.sql("ALTER TABLE jobs.webhook_deliveries RENAME TO webhook_deliveries_away")
                .update();
        assertThat(api.post(token, base + "/bulk-jobs/" + jobId + "/cancel", null, null)
                        .status())
                .isEqualTo(202);
        await().during(Duration.ofSeconds(14))
                .atMost(Duration.ofSeconds(20))
                .until(() -> receiver.received("/hook").isEmpty());
        jdbc.sql("ALTER TABLE jobs.webhook_deliveries_away RENAME TO webhook_deliveries")
                .update();

        await().atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received("/hook").size() == 1);
        assertThat(receiver.received("/hook").getFirst().body()).contains(jobId, "job.cancelled");
    }

    /** A portfolio's Owner, its subscription of /hook to job.cancelled, and a job of it still pending. */
    private record Subscribed(String token, String base, String subscriptionId, String jobId) {}

    /** Subscribes the receiver's /hook (verifying with its secret) and submits a job to cancel. */
    private Subscribed subscribedWithAJob(GatewayCalls api) {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(gateway.getBean(JdbcClient.class)).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.accounts(2).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        String token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
        String base = "/api/v1/portfolios/" + portfolio.id();
        Answer subscribed = api.post(
                token,
                base + "/webhooks",
                null,
                "{\"url\":\"" + receiver.url("/hook") + "\",\"eventTypes\":[\"job.cancelled\"]}");
        assertThat(subscribed.status()).as(subscribed.text()).isEqualTo(201);
        receiver.verifying("/hook", subscribed.body().path("secret").asString());
        Answer submitted = api.post(
                token,
                base + "/bulk-jobs",
                UUID.randomUUID().toString(),
                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        return new Subscribed(
                token,
                base,
                subscribed.body().path("subscriptionId").asString(),
                submitted.body().path("jobId").asString());
    }

    private static ConfigurableApplicationContext start(DatabaseEndpoint database, String... settings) {
        List<String> arguments = new ArrayList<>(List.of(
                "--bulk.gateway.relay.enabled=false",
                "--bulk.gateway.webhooks.secret-key=" + WebhookIntegrationTest.SECRET_KEY,
                "--bulk.gateway.webhooks.allow-local-urls=true",
                "--bulk.gateway.webhooks.poll-interval=50ms",
                // Short, so that the other gateway sends the message soon: a lease outlasts an attempt (6 s).
                "--bulk.gateway.webhooks.connect-timeout=1s",
                "--bulk.gateway.webhooks.read-timeout=5s",
                "--bulk.gateway.webhooks.lease=9s"));
        arguments.addAll(List.of(settings));
        return StandaloneGateway.start(
                database, SharedInfrastructure.kafkaBootstrapServers(), arguments.toArray(String[]::new));
    }
}
