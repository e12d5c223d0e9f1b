package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/**
 * The job aggregate's read side ({@code jobs.bulk_jobs}): one job by id, as the cancellation, a
 * replayed submission and the CSV export read it, and the few jobs a webhook batch names, each in one
 * statement by primary key. The status poll reads the same row through {@link Jobs#findForStatus}
 * instead (see there why). The job's writes are set-based and stay in {@link Jobs}: its insert with
 * the plan's {@code INSERT ... SELECT}, the counter moves of a cancellation, and the worker's batch
 * updates; so do the keyset-paged job list and the task reads.
 */
interface JobRepository extends Repository<JobRepository.Row, UUID> {

    /** The job, if it is one of the portfolio's. */
    Optional<Row> findByIdAndPortfolioId(UUID id, UUID portfolioId);

    /**
     * The jobs among {@code ids} that exist, in no particular order, in one statement. A derived query
     * rather than the inherited {@code findAllById}, which would open a read-only transaction of its
     * own: one more round trip (the commit) for a single statement.
     */
    List<Row> findByIdIn(Collection<UUID> ids);

    /** The columns of {@code jobs.bulk_jobs} that a job's status shows; {@code version} moves with every update. */
    @Table(schema = "jobs", name = "bulk_jobs")
    record Row(
            @Id UUID id,
            UUID portfolioId,
            JobType type,
            JobStatus status,
            UUID requestedByUserId,
            String requestedByEmail,
            JobOrigin origin,
            Instant createdAt,
            Instant startedAt,
            Instant completedAt,
            int total,
            int pending,
            int succeeded,
            int skipped,
            int failed,
            int cancelled,
            long version) {

        Job job() {
            return new Job(
                    id,
                    portfolioId,
                    type,
                    status,
                    Actor.of(requestedByUserId, requestedByEmail, origin),
                    origin,
                    createdAt,
                    startedAt,
                    completedAt,
                    new JobView.Counts(total, pending, succeeded, skipped, failed, cancelled),
                    version);
        }
    }
}
