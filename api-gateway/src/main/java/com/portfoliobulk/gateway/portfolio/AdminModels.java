package com.portfoliobulk.gateway.portfolio;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The bodies of the portfolio administration API. */
final class AdminModels {

    private AdminModels() {}

    @Schema(description = "A portfolio user: a user who administers the portfolio, with one portfolio role.")
    record PortfolioUserView(
            UUID userId,
            String email,

            @Schema(description = "OWNER, ADMIN, USER_MANAGEMENT_EDIT, USER_MANAGEMENT_VIEW or a custom portfolio role")
            String role,

            List<String> permissions) {}

    @Schema(description = "Adds a user of one of the portfolio's accounts as a portfolio user.")
    record NewPortfolioUser(
            @Schema(
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "The user's e-mail address; they must already be a user of one of the portfolio's"
                            + " accounts")
            String email,

            @Schema(
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "ADMIN (the Owner only grants it), USER_MANAGEMENT_EDIT, USER_MANAGEMENT_VIEW or a"
                            + " custom portfolio role; never OWNER (ownership is transferred)")
            String role) {}

    @Schema(description = "A portfolio user's new role.")
    record RoleChange(
            @Schema(
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "ADMIN (the Owner only grants it), USER_MANAGEMENT_EDIT, USER_MANAGEMENT_VIEW or a"
                            + " custom portfolio role; never OWNER (ownership is transferred)")
            String role) {}

    @Schema(description = "A custom role: a code, a name, a description and its named permissions.")
    record RoleDefinition(
            @Schema(
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "Upper case letters, digits and underscores, e.g. REGIONAL_LEAD",
                    example = "REGIONAL_LEAD")
            String code,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            String name,

            String description,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "One or more permissions, each once.")
            List<String> permissions) {}

    @Schema(description = "A role, built in (standard) or custom.")
    record RoleView(String code, String name, String description, List<String> permissions, boolean custom) {}

    @Schema(description = "Hands ownership to another portfolio user, who must accept.")
    record OwnerTransferRequest(
            @Schema(
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "The portfolio user who is to become Owner")
            UUID userId) {}

    @Schema(description = "A pending Owner transfer.")
    record OwnerTransferView(
            UUID fromUserId,
            UUID toUserId,

            @Schema(description = "The e-mail address of the portfolio user ownership is offered to")
            String toEmail,

            Instant requestedAt) {}

    @Schema(description = "One administrative change of the portfolio.")
    record AdminLogEntry(
            UUID id,
            Instant occurredAt,
            String action,
            UUID actorUserId,
            String actorEmail,
            String subject,
            String detail) {}
}
