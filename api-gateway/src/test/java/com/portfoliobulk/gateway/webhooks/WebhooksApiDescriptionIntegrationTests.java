package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WebhooksApiDescriptionIntegrationTests extends GatewayIntegrationTest {

    private static final String BASE = "/api/v1/portfolios/{portfolioId}/webhooks";

    @Test
    void describesTheSubscriptionAndDeliveryOperations() {
        JsonNode description = api.get(null, "/v3/api-docs").body();
        JsonNode paths = description.path("paths");

        assertThat(paths.path(BASE).path("post").path("responses").propertyNames())
                .contains("201", "400", "401", "403", "409");
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
