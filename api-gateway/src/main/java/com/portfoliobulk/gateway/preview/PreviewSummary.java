package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.contracts.ReasonCode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole plan in numbers, whichever page is shown.
 *
 * @param changes how many tasks would change the directory
 * @param skipped how many would be skipped
 * @param byReason the skipped ones per reason (only reasons that occur, in the order of
 *     {@link ReasonCode})
 */
@Schema(description = "The whole plan (all pages) in numbers.")
record PreviewSummary(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Tasks that would change the directory.")
        long changes,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "Tasks that would be skipped.")
        long skipped,

        @Schema(
                requiredMode = Schema.RequiredMode.REQUIRED,
                description = "Skipped tasks per reason code; only reasons that occur.",
                example = "{\"OWNER_PROTECTED\":1,\"NOT_A_MEMBER\":3}")
        Map<ReasonCode, Long> byReason) {

    PreviewSummary {
        byReason = Collections.unmodifiableMap(new LinkedHashMap<>(byReason));
    }
}
