package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.contracts.ReasonCode;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole plan in numbers, whichever page is shown.
 *
 * @param changes how many tasks would change the directory
 * @param skipped how many would be skipped
 * @param byReason the skipped ones per reason (only reasons that occur, in the order of
 *     {@link ReasonCode})
 * @param portfolioUsers for an offboarding, the users it names who hold a portfolio role (which it does
 *     not remove), by address; null (absent) for any other job type
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
        Map<ReasonCode, Long> byReason,

        @Schema(
                description =
                        "Only for OFFBOARD_USERS: the users it names who hold a portfolio role (Owner, Admin, User"
                                + " Management EDIT or VIEW, or a custom one), by address; empty when none does. The job"
                                + " removes their access to the portfolio's accounts but not that role: they still"
                                + " administer the portfolio (their token or console session goes on working) until they are"
                                + " removed as portfolio users (`DELETE /portfolio-users/{userId}`; the Owner only by a"
                                + " transfer of ownership).",
                nullable = true)
        List<PreviewPortfolioUser> portfolioUsers) {

    PreviewSummary {
        byReason = Collections.unmodifiableMap(new LinkedHashMap<>(byReason));
        portfolioUsers = portfolioUsers == null ? null : List.copyOf(portfolioUsers);
    }

    /** The summary naming the portfolio users an offboarding leaves their role. */
    PreviewSummary withPortfolioUsers(List<PreviewPortfolioUser> users) {
        return new PreviewSummary(changes, skipped, byReason, users);
    }
}
