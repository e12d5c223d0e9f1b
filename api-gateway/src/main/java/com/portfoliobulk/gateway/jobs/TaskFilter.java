package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import java.util.UUID;

/**
 * Which tasks of a job to list; {@code null} matches any.
 *
 * @param status only tasks in this state
 * @param reason only tasks with this reason
 * @param accountId only tasks on this account
 */
record TaskFilter(TaskStatus status, ReasonCode reason, UUID accountId) {}
