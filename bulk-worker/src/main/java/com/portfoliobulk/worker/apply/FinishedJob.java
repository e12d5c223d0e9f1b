package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.JobStatus;
import java.time.Duration;

/**
 * A job that reached its terminal status in a transaction.
 *
 * @param type the job's type, as stored: a job of a newer version's type this version cannot read still
 *     ends when its tasks run out of attempts
 * @param duration from submission to the terminal status
 */
record FinishedJob(String type, JobStatus status, Duration duration) {}
