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
 * @param userId the user; absent for an invitation of an address that had no user yet
 * @param email the user's e-mail address
 * @param action what it does
 * @param previousRole the role before it was applied, once applied
 * @param newRole the role it grants; absent for a removal
 * @param status its state
 * @param reason why it was skipped, cancelled or failed
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
        ReasonCode reason,
        String error,
        int attempts,
        Instant appliedAt) {}
