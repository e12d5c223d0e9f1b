package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A user of the portfolio (someone with access to, or a pending invitation to, at least one linked
 * account) with all their memberships in the portfolio's accounts.
 *
 * @param userId the user's id
 * @param email the user's e-mail address, lower case
 * @param idpManaged whether the user's access is managed by an identity provider (and so locked
 *     here)
 * @param memberships every membership of the user in the portfolio's linked accounts, by account name
 */
@Schema(description = "A user of the portfolio with all their memberships in its linked accounts.")
record PortfolioUser(
        UUID userId,
        @Schema(example = "ann@agency.com") String email,

        @Schema(description = "Provisioned by an identity provider: their access can only be changed there.")
        boolean idpManaged,

        @Schema(description = "Every membership of the user in the portfolio's linked accounts, by account name.")
        List<Membership> memberships) {

    PortfolioUser {
        memberships = List.copyOf(memberships);
    }

    /**
     * A user's access to one linked account.
     *
     * @param accountId the account's id
     * @param accountName the account's name
     * @param role the role held, or offered by the invitation
     * @param state active access or a pending invitation
     * @param expiresAt when the invitation expires; absent for active access
     */
    @Schema(name = "UserMembership", description = "A user's access to one linked account.")
    record Membership(
            UUID accountId,
            @Schema(example = "Brand Berlin") String accountName,

            @Schema(type = "string", example = "ANALYST", description = "The role held, or offered by the invitation.")
            AccountRole role,

            MembershipState state,

            @Schema(description = "When the invitation expires; only for INVITED.")
            Instant expiresAt) {}
}
