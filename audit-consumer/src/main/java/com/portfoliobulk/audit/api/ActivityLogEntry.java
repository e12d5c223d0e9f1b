package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import java.time.Instant;
import java.util.UUID;

/**
 * One entry of an account's activity log, as the public API serves it (the README's "Activity log").
 *
 * @param entryId the entry's id
 * @param occurredAt when the change was applied
 * @param action what changed
 * @param targetUser whose access changed
 * @param previousRole the role before ({@code null} for an invitation)
 * @param newRole the role after ({@code null} for a removal)
 * @param initiatedFrom where the change was initiated from
 * @param actor the portfolio administrator who requested it, or the identity provider ({@code kind})
 * @param portfolioId the portfolio it was initiated from
 * @param jobId the bulk job
 * @param taskId the job's task that applied it
 * @param summary the sentence a person reads
 */
record ActivityLogEntry(
        UUID entryId,
        Instant occurredAt,
        ActivityAction action,
        UserRef targetUser,
        AccountRole previousRole,
        AccountRole newRole,
        InitiationLevel initiatedFrom,
        Actor actor,
        UUID portfolioId,
        UUID jobId,
        UUID taskId,
        String summary) {}
