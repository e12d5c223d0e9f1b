package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import java.time.Instant;
import java.util.UUID;

/** A row of {@code jobs.bulk_jobs}; {@code version} changes with every update of the row. */
record Job(
        UUID id,
        UUID portfolioId,
        JobType type,
        JobStatus status,
        Actor requestedBy,
        JobOrigin origin,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        JobView.Counts counts,
        long version) {

    JobView view() {
        return new JobView(
                id,
                portfolioId,
                type,
                status,
                requestedBy,
                origin,
                createdAt,
                startedAt,
                completedAt,
                counts,
                counts.percentDone());
    }

    /** The strong entity tag of the job's status: its row version. */
    String etag() {
        return "\"" + version + "\"";
    }
}
