package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** The running gateway, with calls of the preview as a client makes them. */
abstract class PreviewIntegrationTest extends GatewayIntegrationTest {

    static String previewPath(UUID portfolioId) {
        return jobsPath(portfolioId) + "/preview";
    }

    /** Previews {@code body} as the Portfolio Owner; {@code query} is appended as is (e.g. {@code ?limit=3}). */
    Answer preview(UUID portfolioId, String query, String body) {
        return api.post(admin(portfolioId), previewPath(portfolioId) + query, null, body);
    }

    /** The first page (up to 500 items) of a preview that must succeed. */
    JsonNode plan(UUID portfolioId, String body) {
        Answer answer = preview(portfolioId, "?limit=500", body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body();
    }

    /** Every item of the plan, following {@code nextCursor} with pages of {@code limit}. */
    List<JsonNode> allItems(UUID portfolioId, String body, int limit) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            String query = "?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor);
            Answer page = preview(portfolioId, query, body);
            assertThat(page.status()).as(page.text()).isEqualTo(200);
            items.addAll(page.body().path("items").values());
            cursor = page.body().path("nextCursor").isNull()
                    ? null
                    : page.body().path("nextCursor").asString();
        } while (cursor != null);
        return items;
    }

    /** An item as one line, to compare plans and their decisions at a glance. */
    static String line(JsonNode item) {
        return String.join(
                " ",
                item.path("accountId").asString(),
                text(item.path("userId")),
                item.path("email").asString(),
                item.path("action").asString(),
                text(item.path("currentRole")),
                text(item.path("currentState")),
                text(item.path("newRole")),
                item.path("outcome").asString(),
                text(item.path("reason")));
    }

    /** What {@link #line} shows for one expected item. */
    static String line(
            UUID accountId,
            UUID userId,
            String email,
            String action,
            String currentRole,
            String currentState,
            String newRole,
            String outcome,
            String reason) {
        return String.join(
                " ",
                accountId.toString(),
                String.valueOf(userId),
                email,
                action,
                String.valueOf(currentRole),
                String.valueOf(currentState),
                String.valueOf(newRole),
                outcome,
                String.valueOf(reason));
    }

    private static String text(JsonNode node) {
        return node.isNull() || node.isMissingNode() ? "null" : node.asString();
    }
}
