package com.portfoliobulk.gateway.directory;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/**
 * An account linked to the portfolio.
 *
 * @param accountId the account's id
 * @param name the account's name
 * @param ownerEmail the e-mail address of the account's Owner; absent when the account has none
 * @param memberCount how many users have access to the account or a pending invitation to it
 */
@Schema(description = "An account linked to the portfolio.")
record LinkedAccount(
        UUID accountId,
        @Schema(example = "Brand Berlin") String name,

        @Schema(
                description = "E-mail address of the account's Owner; absent when it has none.",
                example = "owner@brand.com")
        String ownerEmail,

        @Schema(description = "Users with access to the account or a pending invitation to it.", example = "20")
        long memberCount) {}
