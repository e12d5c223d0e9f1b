package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Remove every selected user from every selected account: one task per (user, account).
 *
 * @param userIds users of the portfolio
 * @param accountIds linked accounts of the portfolio
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(name = "RemoveAccess", description = "Remove users from selected accounts.", example = """
                {"type":"REMOVE_ACCESS","userIds":["4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11"],
                 "accountIds":["9b7c1f64-5717-4562-b3fc-2c963f66afa6"]}""")
public record RemoveAccess(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> userIds,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> accountIds)
        implements JobRequest {

    @Override
    @Schema(allowableValues = "REMOVE_ACCESS", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.REMOVE_ACCESS;
    }
}
