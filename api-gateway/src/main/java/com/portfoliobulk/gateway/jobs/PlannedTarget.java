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
 * @param userId the user; {@code null} for an invitation of an address that is not a user of the
 *     portfolio (no access to, nor an invitation that has not expired to, any of its accounts), whether
 *     or not the product knows the address elsewhere: the worker finds its user, if any, when it applies
 *     the task
 * @param email the user's e-mail address (lower-case)
 * @param action what the task does
 * @param role the role to grant; {@code null} for a removal
 * @param current the account, user and membership as they are now (for an invitation, the address's
 *     user wherever it is known, as the worker decides from)
 */
public record PlannedTarget(
        long position,
        UUID accountId,
        UUID userId,
        String email,
        TaskAction action,
        AccountRole role,
        TargetSnapshot current) {}
