package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A user of the portfolio (someone with access to, or a pending invitation to, at least one linked
 * account) with the first of their memberships in the portfolio's accounts and how many they have.
 * A user can hold a membership in each of thousands of accounts, and a page lists up to 500 users,
 * so the list carries at most {@link #LISTED_MEMBERSHIPS} memberships per user; the user's profile
 * pages all of the portfolio's accounts.
 *
 * @param userId the user's id
 * @param email the user's e-mail address, lower case
 * @param idpManaged whether the user's access is managed by an identity provider (and so locked
 *     here)
 * @param memberships at most {@link #LISTED_MEMBERSHIPS} memberships of the user in the portfolio's
 *     linked accounts (those the filters ask about chosen first), by account name
 * @param membershipCount the number of all the user's memberships in the portfolio's linked accounts
 */
@Schema(
        description = "A user of the portfolio with up to " + PortfolioUser.LISTED_MEMBERSHIPS
                + " of their memberships in its linked accounts and the number of all of them.")
record PortfolioUser(
        UUID userId,
        @Schema(example = "ann@agency.com") String email,

        @Schema(description = "Provisioned by an identity provider: their access can only be changed there.")
        boolean idpManaged,

        @Schema(
                description = "Up to " + PortfolioUser.LISTED_MEMBERSHIPS
                        + " of the user's memberships in the portfolio's linked accounts, ordered by account"
                        + " name. A user with more shows the first by account name; with a `role` or"
                        + " `accountId` filter, the memberships it asks about are chosen first. `membershipCount`"
                        + " tells whether there are more; the user's profile (`/users/{userId}`) pages their"
                        + " access to every account.")
        List<Membership> memberships,

        @Schema(
                example = "25",
                description = "The number of all the user's memberships in the portfolio's linked accounts,"
                        + " listed or not.")
        int membershipCount) {

    /** The most memberships the list carries per user. */
    static final int LISTED_MEMBERSHIPS = 20;

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
