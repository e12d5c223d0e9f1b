package com.portfoliobulk.gateway.preview;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/**
 * A user an offboarding names who administers the portfolio: the offboarding removes their access to
 * the portfolio's accounts, not their portfolio role.
 *
 * @param userId the user
 * @param email their address as a portfolio user
 * @param role their portfolio role's code ({@code OWNER}, {@code ADMIN}, ... or a custom role's)
 * @param roleName the role's name, as {@code GET portfolio-roles} names it
 */
@Schema(
        name = "PreviewPortfolioUser",
        description = "A user being offboarded who holds a portfolio role: the offboarding leaves that role, so they"
                + " still administer the portfolio until they are removed as a portfolio user.")
record PreviewPortfolioUser(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) UUID userId,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String email,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "ADMIN")
        String role,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "Admin")
        String roleName) {}
