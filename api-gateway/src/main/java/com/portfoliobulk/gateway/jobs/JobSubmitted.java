package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import java.util.UUID;

/**
 * A new job and its tasks were committed: they are waiting in the outbox for the relay.
 *
 * @param jobId the job
 * @param portfolioId its portfolio
 * @param type its kind
 * @param tasks how many tasks it has
 */
public record JobSubmitted(UUID jobId, UUID portfolioId, JobType type, long tasks) {}
