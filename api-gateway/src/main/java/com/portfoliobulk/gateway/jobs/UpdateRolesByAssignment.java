package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Set a role per (user, account): one task per assignment. This is the form for editing one user's
 * roles account by account.
 *
 * @param assignments the roles to set
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(
        name = "UpdateRolesByAssignment",
        description = "UPDATE_ROLES, one role per (user, account) assignment.",
        example = """
                {"type":"UPDATE_ROLES","assignments":[{"userId":"4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11",
                 "accountId":"9b7c1f64-5717-4562-b3fc-2c963f66afa6","role":"MANAGER"}]}""")
public record UpdateRolesByAssignment(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<RoleAssignment> assignments) implements JobRequest {

    @Override
    @Schema(allowableValues = "UPDATE_ROLES", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.UPDATE_ROLES;
    }

    /**
     * One role to set.
     *
     * @param userId a user of the portfolio
     * @param accountId a linked account of the portfolio
     * @param role the new role; never {@code OWNER}
     */
    public record RoleAssignment(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            UUID userId,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            UUID accountId,

            @Schema(type = "string", requiredMode = Schema.RequiredMode.REQUIRED, example = "MANAGER")
            AccountRole role) {}
}
