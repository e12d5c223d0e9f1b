package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Deliveries on a gateway as deployed: no local URLs allowed, host names resolved by the system's
 * resolver. A subscription created with a public host whose name later points elsewhere (its CNAME
 * changed) is stood in for by changing its stored URL.
 */
@TestPropertySource(properties = "bulk.gateway.webhooks.allow-local-urls=false")
class WebhookDeliverySafetyIntegrationTests extends WebhookIntegrationTest {

    /**
     * An administrator who points a subscription's name at a guessed internal name and redelivers
     * must not learn from the delivery log whether that name exists: a name resolving to an internal
     * address ({@code localhost}) is logged and retried exactly as one that does not resolve.
     */
    @Test
    void aNameWithAnInternalAddressIsLoggedAndRetriedAsANameThatDoesNotResolve() {
        String internal = subscription("https://203.0.113.10/internal", "https://localhost/hook");
        String unknown = subscription("https://203.0.113.10/unknown", "https://no-such-host.invalid/hook");

        finish(job(1), false);

        JsonNode toInternal = attempted(internal);
        JsonNode toUnknown = attempted(unknown);
        assertThat(toInternal.path("lastError").asString())
                .isEqualTo(toUnknown.path("lastError").asString())
                .isEqualTo("Not sent: the URL " + ReceiverAddresses.NO_PUBLIC_ADDRESS)
                .doesNotContain("127.0.0.1");
        for (JsonNode delivery : new JsonNode[] {toInternal, toUnknown}) {
            assertThat(delivery.path("status").asString())
                    .as(delivery.toString())
                    .isEqualTo("PENDING");
            assertThat(delivery.path("nextAttemptAt").isMissingNode())
                    .as(delivery.toString())
                    .isFalse();
            assertThat(delivery.path("history").get(0).path("outcome").asString())
                    .as(delivery.toString())
                    .isEqualTo("WILL_RETRY");
        }
        for (String subscriptionId : new String[] {internal, unknown}) {
            Answer deleted = api.delete(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId);
            assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        }
    }

    /** A subscription created for {@code createdFor}, whose host then stands for {@code now}. */
    private String subscription(String createdFor, String now) {
        Answer created = api.post(
                admin(portfolio.id()),
                webhooksPath(),
                null,
                "{\"url\":\"" + createdFor + "\",\"eventTypes\":[\"job.completed\"]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String subscriptionId = created.body().path("subscriptionId").asString();
        jdbc.sql("UPDATE jobs.webhook_subscriptions SET url = :url WHERE id = :id")
                .param("url", now)
                .param("id", UUID.fromString(subscriptionId))
                .update();
        return subscriptionId;
    }

    /** The subscription's only message, with its history, once it was attempted. */
    private JsonNode attempted(String subscriptionId) {
        await().atMost(PATIENCE).until(() -> {
            JsonNode items = deliveries(subscriptionId);
            return items.size() == 1 && items.get(0).path("attempts").asInt() >= 1;
        });
        String deliveryId = deliveries(subscriptionId).get(0).path("deliveryId").asString();
        Answer answer =
                api.get(admin(portfolio.id()), webhooksPath() + "/" + subscriptionId + "/deliveries/" + deliveryId);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body();
    }
}
