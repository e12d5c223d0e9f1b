package com.portfoliobulk.gateway.invitations;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/**
 * The membership an accepted invitation became.
 *
 * @param accountId the account the invitation was for
 * @param role the role the invitation offered, now held
 * @param state {@code ACTIVE}
 */
@Schema(name = "AcceptedInvitation", description = "The membership the accepted invitation became.")
record AcceptedInvitation(
        UUID accountId,

        @Schema(example = "ANALYST") String role,

        @Schema(example = "ACTIVE") String state) {}
