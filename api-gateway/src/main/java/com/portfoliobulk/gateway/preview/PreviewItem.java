package com.portfoliobulk.gateway.preview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.rules.Decision;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.UUID;

/**
 * One task of the plan and what it would do now.
 *
 * @param accountId the account
 * @param userId the user; {@code null} for an invitation of an address that is not yet a user of the
 *     portfolio (no access to, nor an invitation that has not expired to, any of its accounts), whether
 *     or not the product knows the address elsewhere
 * @param email the user's e-mail address
 * @param action what the task does
 * @param currentRole the role the user holds or is invited with there now (for an offboarding, also
 *     the invitation a running job is still to send there); {@code null} without access (an expired
 *     invitation is no access)
 * @param currentState whether that is active access or a pending invitation; {@code null} without
 *     access
 * @param newRole the role the task grants; {@code null} for a removal
 * @param outcome whether the task would change the directory or be skipped
 * @param reason why it would be skipped; {@code null} for a change
 */
// Every field in every item, null where there is no value: each is required in the description.
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(description = "One (account, user) task of the plan, decided by the access rules against the directory now.")
record PreviewItem(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) UUID accountId,

        @Schema(
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED,
                description = "The user; null for an invitation of an address that is not yet a user of the"
                        + " portfolio, whether or not the product knows it elsewhere.")
        UUID userId,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "ann@brand.example")
        String email,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) TaskAction action,

        @Schema(
                type = "string",
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED,
                example = "ANALYST",
                description = "The role held (or invited with) on the account now; null without access. An"
                        + " expired invitation is no access. An offboarding also shows, as INVITED, the invitation"
                        + " a running job is still to send there: its removal follows and takes it back.")
        AccountRole currentRole,

        @Schema(
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED,
                description = "ACTIVE, or INVITED for a pending invitation; null without access.")
        MembershipState currentState,

        @Schema(
                type = "string",
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED,
                example = "MANAGER",
                description = "The role the task grants; null for a removal. Not granted when the outcome is SKIP.")
        AccountRole newRole,

        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Decision.Outcome outcome,

        @Schema(
                nullable = true,
                requiredMode = Schema.RequiredMode.REQUIRED,
                description = "Why the task would be skipped; null for a CHANGE.")
        ReasonCode reason) {}
