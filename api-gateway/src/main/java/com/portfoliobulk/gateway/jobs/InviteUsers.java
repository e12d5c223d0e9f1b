package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Invite e-mail addresses to accounts: one task per (address, account).
 *
 * @param emails the addresses to invite
 * @param language the invitation's language (BCP 47), default {@code en}
 * @param accounts the accounts to invite to, each with the role to offer
 * @param expiresInDays how long the invitations stay valid, 1 to 30 days, default 7
 */
// Read as a plain record once JobRequestDeserializer has chosen it.
@JsonDeserialize(using = ValueDeserializer.None.class)
@Schema(
        name = "InviteUsers",
        description = "Invite e-mail addresses to accounts, with a role per account.",
        example = """
                {"type":"INVITE_USERS","emails":["ann@brand.example"],"language":"en",
                 "accounts":[{"accountId":"9b7c1f64-5717-4562-b3fc-2c963f66afa6","role":"ANALYST"}],
                 "expiresInDays":7}""")
public record InviteUsers(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "[\"ann@brand.example\"]")
        List<String> emails,

        @Schema(defaultValue = "en") String language,
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<AccountInvitation> accounts,

        @Schema(minimum = "1", maximum = "30", defaultValue = "7")
        Integer expiresInDays)
        implements JobRequest {

    /** The default language of an invitation. */
    public static final String DEFAULT_LANGUAGE = "en";

    /** The default validity of an invitation, in days. */
    public static final int DEFAULT_EXPIRY_DAYS = 7;

    /** The longest validity of an invitation, in days. */
    public static final int MAX_EXPIRY_DAYS = 30;

    @Override
    @Schema(allowableValues = "INVITE_USERS", requiredMode = Schema.RequiredMode.REQUIRED)
    public JobType type() {
        return JobType.INVITE_USERS;
    }

    /**
     * One account to invite to.
     *
     * @param accountId a linked account of the portfolio
     * @param role the role the invitation offers, default {@code SUPPORT}; never {@code OWNER}
     */
    public record AccountInvitation(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            UUID accountId,

            @Schema(type = "string", defaultValue = "SUPPORT", example = "ANALYST")
            AccountRole role) {}
}
