package com.portfoliobulk.gateway.invitations;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;

/**
 * The memberships an accepted invitation became. The token of an invitation e-mail accepts every
 * account the e-mail names; the first is repeated at the top level. Read from the worker's answer,
 * ignoring fields a newer worker may add.
 *
 * @param accountId the (first) account the invitation was for
 * @param role the role the invitation offered there, now held
 * @param state {@code ACTIVE}
 * @param memberships every membership the acceptance activated
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@Schema(name = "AcceptedInvitation", description = "The memberships the accepted invitation became.")
record AcceptedInvitation(
        UUID accountId,

        @Schema(example = "ANALYST") String role,

        @Schema(example = "ACTIVE") String state,

        @Schema(description = "Every membership the acceptance activated: all accounts the invitation e-mail named.")
        List<Membership> memberships) {

    /**
     * One membership the acceptance activated.
     *
     * @param accountId the account
     * @param role the role now held
     * @param state {@code ACTIVE}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @Schema(name = "AcceptedMembership")
    record Membership(
            UUID accountId,
            @Schema(example = "ANALYST") String role,
            @Schema(example = "ACTIVE") String state) {}
}
