package com.portfoliobulk.worker.apply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/** The worker's apply metrics, named as in README.md ("Metrics"). Recorded only for committed work. */
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
            String action = outcome.action();
            Counter.builder("bulk.tasks.applied")
                    .description("Tasks finished by the worker, by action, status and reason")
                    .tag("action", action)
                    .tag("outcome", outcome.status().name())
                    .tag(
                            "reason",
                            outcome.reason() == null ? "NONE" : outcome.reason().name())
                    .register(registry)
                    .increment();
            Timer.builder("bulk.task.apply")
                    .description("Time from the delivery of a task to the commit of its outcome")
                    .tag("action", action)
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(latency);
        }
        for (FinishedJob job : applied.finishedJobs()) {
            // Jobs may take hours (workers down, lost tasks sent again by the stuck-task sweep up to 4 hours
            // apart): the buckets reach a day, so that the quantiles show such jobs. They start at 100 ms
            // (a faster job counts in the first), which keeps them no more than the range to 1 hour had.
            Timer.builder("bulk.job.duration")
                    .description("Time from a job's submission to its terminal status")
                    .tag("type", job.type())
                    .tag("status", job.status().name())
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(100))
                    .maximumExpectedValue(Duration.ofHours(24))
                    .register(registry)
                    .record(job.duration());
        }
    }
}
