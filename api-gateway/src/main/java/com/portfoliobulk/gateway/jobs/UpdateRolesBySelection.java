package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Set one role for every selected user on every selected account: one task per (user, account).
 *
 * @param userIds users of the portfolio
 * @param accountIds linked accounts of the portfolio
 * @param role the new role; never {@code OWNER}
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(
        name = "UpdateRolesBySelection",
        description = "UPDATE_ROLES, one role for every selected user on every selected account.",
        example = """
                {"type":"UPDATE_ROLES","userIds":["4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11"],
                 "accountIds":["9b7c1f64-5717-4562-b3fc-2c963f66afa6"],"role":"MANAGER"}""")
public record UpdateRolesBySelection(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> userIds,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> accountIds,

        @Schema(type = "string", requiredMode = Schema.RequiredMode.REQUIRED, example = "MANAGER")
        AccountRole role)
        implements JobRequest {

    @Override
    @Schema(allowableValues = "UPDATE_ROLES", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.UPDATE_ROLES;
    }
}
