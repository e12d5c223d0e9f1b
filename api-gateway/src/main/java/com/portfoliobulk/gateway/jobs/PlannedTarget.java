package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.rules.TargetSnapshot;
import java.util.UUID;

/**
 * One (account, user) change a job request resolves to, with the directory as it is now: exactly
 * the task a submission of the same request would create, and what the access rules need to decide
 * it.
 *
 * @param position the 1-based position in the plan's stable order
 * @param accountId the account to change
 * @param userId the user; {@code null} for an invitation of an address that has no user yet
 * @param email the user's e-mail address (lower-case)
 * @param action what the task does
 * @param role the role to grant; {@code null} for a removal
 * @param current the account, user and membership as they are now
 */
public record PlannedTarget(
        long position,
        UUID accountId,
        UUID userId,
        String email,
        TaskAction action,
        AccountRole role,
        TargetSnapshot current) {}
