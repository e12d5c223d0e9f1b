package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.UUID;

/**
 * A job as clients see it.
 *
 * @param jobId the job
 * @param portfolioId the portfolio it was submitted for
 * @param type the kind of job
 * @param status where it is in its lifecycle
 * @param requestedBy the administrator who submitted it, or the identity provider ({@code kind})
 * @param origin {@code API} when an administrator submitted it, {@code SCIM} when the portfolio's
 *     identity provider deprovisioned a user
 * @param createdAt when its submission began to store it (the start of that transaction, by the database's
 *     clock): a large job, stored seconds later, is listed below a job submitted and stored meanwhile
 * @param startedAt when its first task was applied; absent before
 * @param completedAt when it reached a terminal state; absent before
 * @param counts its tasks by status
 * @param percentDone the share of tasks no longer pending, 0 to 100 (100 for a job of no task)
 */
@Schema(name = "Job")
public record JobView(
        UUID jobId,
        UUID portfolioId,
        JobType type,
        JobStatus status,
        Actor requestedBy,
        JobOrigin origin,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        Counts counts,
        int percentDone) {

    /**
     * A job's tasks by status; {@code pending + succeeded + skipped + failed + cancelled = total}.
     *
     * @param total all tasks
     * @param pending not applied yet
     * @param succeeded applied: the directory changed
     * @param skipped nothing to do, with a reason
     * @param failed could not be applied
     * @param cancelled cancelled before they were applied
     */
    public record Counts(int total, int pending, int succeeded, int skipped, int failed, int cancelled) {

        int percentDone() {
            return total == 0 ? 100 : (int) ((total - pending) * 100L / total);
        }
    }
}
