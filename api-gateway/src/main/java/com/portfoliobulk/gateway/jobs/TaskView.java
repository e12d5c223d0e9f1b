package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;

/**
 * One task of a job and its outcome.
 *
 * @param taskId the task
 * @param accountId the account it changes
 * @param userId the user; for an invitation, absent until the worker applies it unless the address is
 *     one of the portfolio's users (with access or an invitation in force to one of its accounts), so that
 *     a task does not tell who has an account elsewhere in the product; a skipped invitation names the
 *     user when the submission did or the user has access to that account
 * @param email the user's e-mail address
 * @param action what it does
 * @param previousRole the role before it was applied, once applied
 * @param newRole the role it grants; absent for a removal
 * @param status its state
 * @param reason why it was skipped, cancelled or failed: a {@link ReasonCode}, as stored. A code newer
 *     than this gateway (written by a worker of a later version while the gateways are upgraded after
 *     the workers) is shown as stored, not refused, though this version's description does not list it
 * @param error what went wrong, for a failed task
 * @param attempts how often it was tried
 * @param appliedAt when its outcome was recorded
 */
@Schema(name = "Task")
public record TaskView(
        UUID taskId,
        UUID accountId,
        UUID userId,
        String email,
        TaskAction action,
        @Schema(type = "string", example = "ANALYST") AccountRole previousRole,
        @Schema(type = "string", example = "MANAGER") AccountRole newRole,
        TaskStatus status,
        @Schema(implementation = ReasonCode.class) String reason,
        String error,
        int attempts,
        Instant appliedAt) {}
