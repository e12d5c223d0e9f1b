package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Send the pending invitations of the selected users on the selected accounts again: one task per
 * (user, account). Each gets a new token and expiry, and each invitee one new e-mail naming all of
 * their resent invitations; the earlier e-mail's link stops working. Active access is skipped
 * {@code NOT_A_PENDING_INVITATION}; an invitee who had the portfolio's most e-mails of a day ({@code
 * bulk.worker.invitation.max-mails-per-day}) {@code MAIL_LIMIT_REACHED}.
 *
 * @param userIds users of the portfolio with pending invitations
 * @param accountIds linked accounts of the portfolio
 * @param expiresInDays how long the renewed invitations stay valid, 1 to 30 days, default 7
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(
        name = "ResendInvitations",
        description = "Send pending invitations again, with a new token and expiry.",
        example = """
                {"type":"RESEND_INVITATIONS","userIds":["4f0e5bc4-5a3e-4cf5-9d5c-0f5e5f1b6a11"],
                 "accountIds":["9b7c1f64-5717-4562-b3fc-2c963f66afa6"],"expiresInDays":7}""")
public record ResendInvitations(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> userIds,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<UUID> accountIds,

        @Schema(minimum = "1", maximum = "30", defaultValue = "7")
        Integer expiresInDays)
        implements JobRequest {

    @Override
    @Schema(allowableValues = "RESEND_INVITATIONS", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.RESEND_INVITATIONS;
    }
}
