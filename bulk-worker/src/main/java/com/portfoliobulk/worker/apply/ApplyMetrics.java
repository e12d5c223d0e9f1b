package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The worker's apply metrics, named as in README.md ("Metrics"). Recorded only for committed work. The
 * series of every action, outcome and reason, and of every job type and the statuses the worker ends
 * jobs with, are registered at startup at 0, so that once Prometheus has scraped the worker an
 * increase() sees the first one of its kind: a series that first appears at 1,000 shows no increase.
 * What is counted before that first scrape is in the first sample, which increase() ignores when the
 * worker is a new series (a new address, as a recreated container has).
 */
@Component
class ApplyMetrics {

    private final MeterRegistry registry;

    private final DistributionSummary batchSize;

    private final Counter retries;

    private final Counter deferred;

    ApplyMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("bulk.task.batch.size")
                .description("Task records per listener call")
                .publishPercentileHistogram()
                .register(registry);
        this.retries = Counter.builder("bulk.task.retries")
                .description("Retried task transactions and redelivered task batches")
                .register(registry);
        this.deferred = Counter.builder("bulk.tasks.deferred")
                .description("Tasks deferred because an earlier task of their account was still pending")
                .register(registry);
        for (TaskAction action : TaskAction.values()) {
            applied(action.name(), TaskStatus.SUCCEEDED, null);
            for (ReasonCode reason : ReasonCode.values()) {
                applied(action.name(), reason.status(), reason);
            }
            applyTime(action.name());
        }
        for (JobType type : JobType.values()) {
            for (JobStatus status : new JobStatus[] {JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERRORS}) {
                jobDuration(type.name(), status);
            }
        }
    }

    void batchReceived(int records) {
        batchSize.record(records);
    }

    void retried() {
        retries.increment();
    }

    /**
     * @param latency from the delivery of the tasks' batch to the commit of their outcomes
     */
    void committed(AppliedTasks applied, Duration latency) {
        deferred.increment(applied.deferred().size());
        for (TaskOutcome outcome : applied.outcomes()) {
            applied(outcome.action(), outcome.status(), outcome.reason()).increment();
            applyTime(outcome.action()).record(latency);
        }
        for (FinishedJob job : applied.finishedJobs()) {
            jobDuration(job.type(), job.status()).record(job.duration());
        }
    }

    private Counter applied(String action, TaskStatus status, ReasonCode reason) {
        return Counter.builder("bulk.tasks.applied")
                .description("Tasks finished by the worker, by action, status and reason")
                .tag("action", action)
                .tag("outcome", status.name())
                .tag("reason", reason == null ? "NONE" : reason.name())
                .register(registry);
    }

    private Timer applyTime(String action) {
        return Timer.builder("bulk.task.apply")
                .description("Time from the delivery of a task to the commit of its outcome")
                .tag("action", action)
                .publishPercentileHistogram()
                .register(registry);
    }

    private Timer jobDuration(String type, JobStatus status) {
        // Jobs may take hours (workers down, lost tasks sent again by the stuck-task sweep up to 4 hours
        // apart): the buckets reach a day, so that the quantiles show such jobs. They start at 100 ms
        // (a faster job counts in the first), which keeps them no more than the range to 1 hour had.
        return Timer.builder("bulk.job.duration")
                .description("Time from a job's submission to its terminal status")
                .tag("type", type)
                .tag("status", status.name())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(100))
                .maximumExpectedValue(Duration.ofHours(24))
                .register(registry);
    }
}
