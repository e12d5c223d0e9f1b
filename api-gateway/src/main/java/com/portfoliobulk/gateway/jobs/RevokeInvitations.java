package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Withdraw the pending invitations of the selected users on the selected accounts: one task per
 * (user, account). A revoked invitation's link answers 410. Active access is skipped
 * {@code NOT_A_PENDING_INVITATION}.
 *
 * @param userIds users of the portfolio with pending invitations
 * @param accountIds linked accounts of the portfolio
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(name = "RevokeInvitations", description = "Withdraw pending invitations.", example = """
                {"type":"REVOKE_INVITATIONS","userIds":["4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11"],
                 "accountIds":["9b7c1f64-5717-4562-b3fc-2c963f66afa6"]}""")
public record RevokeInvitations(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> userIds,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> accountIds)
        implements JobRequest {

    @Override
    @Schema(allowableValues = "REVOKE_INVITATIONS", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.REVOKE_INVITATIONS;
    }
}
