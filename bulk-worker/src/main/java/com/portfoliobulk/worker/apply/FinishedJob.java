package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import java.time.Duration;

/**
 * A job that reached its terminal status in a transaction.
 *
 * @param duration from submission to the terminal status
 */
record FinishedJob(JobType type, JobStatus status, Duration duration) {}
