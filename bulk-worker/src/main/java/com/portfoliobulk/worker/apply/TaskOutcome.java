package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import java.util.UUID;

/**
 * The outcome a transaction stored for one task, for metrics.
 *
 * @param action what the task does, as stored: a task of a newer version's action this version cannot
 *     read still ends ({@code RETRIES_EXHAUSTED}) and is counted
 * @param status the task's new status
 * @param reason why it was skipped, cancelled or failed; {@code null} when it succeeded
 */
record TaskOutcome(UUID taskId, String action, TaskStatus status, ReasonCode reason) {}
