package com.portfoliobulk.gateway.webhooks;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * A new subscription.
 *
 * @param url an https:// URL on a public address
 * @param eventTypes one or more of {@code job.completed}, {@code job.failed}, {@code job.cancelled},
 *     {@code job.progress}
 * @param progressIntervalSeconds with {@code job.progress}: at most one progress message per job this
 *     often (5 to 3600 seconds, default 60)
 */
@Schema(name = "WebhookSubscriptionRequest")
record SubscriptionRequest(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "https://hr.example.com/hooks/bulk-jobs")
        String url,

        // The events' names as the code knows them (EventType), each once: an unknown or repeated one is
        // refused naming it.
        @ArraySchema(
                arraySchema =
                        @Schema(
                                requiredMode = Schema.RequiredMode.REQUIRED,
                                example = "[\"job.completed\", \"job.failed\", \"job.cancelled\"]"),
                schema = @Schema(implementation = EventType.class),
                minItems = 1,
                uniqueItems = true)
        List<String> eventTypes,

        // No default in the description: a generated client sends a field's default, and the interval is
        // refused without job.progress.
        @Schema(
                minimum = "5",
                maximum = "3600",
                description = "Seconds, at most one job.progress message per job this often; default 60. Only"
                        + " with job.progress: leave it out otherwise, as a subscription without job.progress"
                        + " that sends it is refused (422).")
        Integer progressIntervalSeconds) {}
