package com.portfoliobulk.gateway.preview;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * One page of a job's plan, with the summary of the whole plan.
 *
 * @param summary the whole plan in numbers
 * @param items this page's tasks, in plan order (the order a submission stores them in)
 * @param nextCursor pass as {@code cursor}, with the same body, for the next page; {@code null} on
 *     the last page
 */
@Schema(description = "The plan of a bulk job request: the summary of the whole plan and one page of its tasks.")
record PreviewPage(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) PreviewSummary summary,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<PreviewItem> items,

        @Schema(
                description = "Pass as `cursor`, with the same body, to get the next page; null on the last page.",
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonInclude(JsonInclude.Include.ALWAYS)
        String nextCursor) {

    PreviewPage {
        items = List.copyOf(items);
    }
}
