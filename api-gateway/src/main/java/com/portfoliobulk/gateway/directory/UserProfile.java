package com.portfoliobulk.gateway.directory;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.paging.Page;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One user's profile in a portfolio: every linked account, with the user's access there. A
 * portfolio may link thousands of accounts, so the accounts are cursor-paged like every list.
 *
 * @param userId the user's id
 * @param email the user's e-mail address, lower case
 * @param idpManaged whether the user's access is managed by an identity provider
 * @param items one page of the portfolio's linked accounts, by name, with the user's access
 * @param nextCursor pass as {@code cursor} for the next page of accounts; {@code null} on the last
 */
@Schema(description = "A user's profile: every linked account of the portfolio and the user's access there.")
record UserProfile(
        UUID userId,
        @Schema(example = "ann@agency.com") String email,

        @Schema(description = "Provisioned by an identity provider: their access can only be changed there.")
        boolean idpManaged,

        @Schema(description = "One page of the portfolio's linked accounts, by name, with the user's access there.")
        List<AccountAccess> items,

        @Schema(
                description = "Pass as `cursor` for the next page of accounts; null on the last page.",
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED)
        @JsonInclude(JsonInclude.Include.ALWAYS)
        String nextCursor) {

    UserProfile {
        items = List.copyOf(items);
    }

    UserProfile withAccounts(Page<AccountAccess> page) {
        return new UserProfile(userId, email, idpManaged, page.items(), page.nextCursor());
    }

    /** Which of the portfolio's linked accounts a profile lists (the {@code access} parameter). */
    enum Listed {
        /** Every linked account, also those where the user has no access. */
        ALL,
        /** Only the accounts where the user has a membership: active access or a pending invitation. */
        MEMBERSHIP
    }

    /** What a user may do on an account. */
    enum Access {
        /** Has the role on the account. */
        ACTIVE,
        /** Has a pending invitation with the role. */
        INVITED,
        /** Has neither. */
        NO_ACCESS;

        static Access of(MembershipState state) {
            if (state == null) {
                return NO_ACCESS;
            }
            return state == MembershipState.ACTIVE ? ACTIVE : INVITED;
        }
    }

    /**
     * A user's access to one linked account.
     *
     * @param accountId the account's id
     * @param accountName the account's name
     * @param role the role held or offered; {@code null} without access
     * @param state active access or a pending invitation; {@code null} without access
     * @param access the access in one word
     * @param expiresAt when the invitation expires; absent unless invited
     */
    @Schema(description = "A user's access to one linked account.")
    record AccountAccess(
            UUID accountId,
            @Schema(example = "Brand Berlin") String accountName,

            @Schema(
                    type = "string",
                    nullable = true,
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    example = "ANALYST",
                    description = "The role held or offered; null without access.")
            @JsonInclude(JsonInclude.Include.ALWAYS)
            AccountRole role,

            @Schema(
                    nullable = true,
                    requiredMode = Schema.RequiredMode.REQUIRED,
                    description = "Active access or a pending invitation; null without access.")
            @JsonInclude(JsonInclude.Include.ALWAYS)
            MembershipState state,

            Access access,

            @Schema(description = "When the invitation expires; only for INVITED.")
            Instant expiresAt) {}
}
