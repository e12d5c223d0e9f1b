package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Remove users from every linked account of the portfolio where they have access or a pending
 * invitation: one task per such membership, resolved when the job is submitted.
 *
 * @param userIds users of the portfolio
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(name = "OffboardUsers", description = "Remove users from every linked account of the portfolio.", example = """
                {"type":"OFFBOARD_USERS","userIds":["4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11"]}""")
public record OffboardUsers(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> userIds) implements JobRequest {

    @Override
    @Schema(allowableValues = "OFFBOARD_USERS", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.OFFBOARD_USERS;
    }
}
