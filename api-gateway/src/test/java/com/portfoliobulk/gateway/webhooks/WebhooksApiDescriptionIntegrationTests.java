package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The API description has the subscription and delivery operations, a creation's optional
 * Idempotency-Key, its replay header and its 409 and 422.
 */
class WebhooksApiDescriptionIntegrationTests extends GatewayIntegrationTest {

    private static final String BASE = "/api/v1/portfolios/{portfolioId}/webhooks";

    @Test
    void describesTheSubscriptionAndDeliveryOperations() {
        JsonNode description = api.get(null, "/v3/api-docs").body();
        JsonNode paths = description.path("paths");

        JsonNode create = paths.path(BASE).path("post");
        assertThat(create.path("responses").propertyNames()).contains("201", "400", "401", "403", "409", "422");
        assertThat(create.path("responses").path("201").path("headers").propertyNames())
                .contains("Location", "Idempotent-Replayed");
        assertThat(create.path("parameters").values()).anySatisfy(parameter -> {
            assertThat(parameter.path("name").asString()).isEqualTo("Idempotency-Key");
            assertThat(parameter.path("in").asString()).isEqualTo("header");
            assertThat(parameter.path("required").asBoolean()).isFalse();
        });
        assertThat(paths.path(BASE).path("post").path("description").asString()).contains("secret");
        assertThat(paths.path(BASE).has("get")).isTrue();
        assertThat(paths.path(BASE + "/{subscriptionId}").propertyNames()).contains("get", "delete");
        assertThat(paths.has(BASE + "/{subscriptionId}/disable")).isTrue();
        assertThat(paths.has(BASE + "/{subscriptionId}/enable")).isTrue();
        assertThat(paths.has(BASE + "/{subscriptionId}/rotate-secret")).isTrue();
        assertThat(paths.path(BASE + "/{subscriptionId}/deliveries")
                        .path("get")
                        .path("parameters")
                        .values())
                .extracting(parameter -> parameter.path("name").asString())
                .contains("limit", "cursor");
        assertThat(paths.has(BASE + "/{subscriptionId}/deliveries/{deliveryId}"))
                .isTrue();
        assertThat(paths.path(BASE + "/{subscriptionId}/deliveries/{deliveryId}/redeliver")
                        .path("post")
                        .path("responses")
                        .propertyNames())
                .contains("202", "404");
        JsonNode schemas = description.path("components").path("schemas");
        assertThat(schemas.path("WebhookSubscriptionRequest").path("properties").propertyNames())
                .containsExactlyInAnyOrder("url", "eventTypes", "progressIntervalSeconds");
        assertThat(schemas.path("WebhookDelivery").path("properties").propertyNames())
                .contains("status", "attempts", "lastResponseCode", "lastDurationMs", "nextAttemptAt", "history");
        assertThat(schemas.path("WebhookAttempt").path("properties").propertyNames())
                .contains("outcome", "responseCode", "durationMs", "responseExcerpt", "nextAttemptAt");
    }
}
