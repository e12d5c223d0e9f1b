package com.portfoliobulk.worker.apply;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/** The worker's apply metrics, named as in README.md ("Metrics"). Recorded only for committed work. */
@Component
class ApplyMetrics {

    private final MeterRegistry registry;

    private final DistributionSummary batchSize;

    private final Counter retries;

    ApplyMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("bulk.task.batch.size")
                .description("Task records per listener call")
                .publishPercentileHistogram()
                .register(registry);
        this.retries = Counter.builder("bulk.task.retries")
                .description("Retried task transactions and redelivered task batches")
                .register(registry);
    }

    void batchReceived(int records) {
        batchSize.record(records);
    }

    void retried() {
        retries.increment();
    }

    void committed(AppliedTasks applied) {
        for (TaskOutcome outcome : applied.outcomes()) {
            String action = outcome.action().name();
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
                    .description("Time to decide and apply one task inside its transaction")
                    .tag("action", action)
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(outcome.applyNanos(), TimeUnit.NANOSECONDS);
        }
        for (FinishedJob job : applied.finishedJobs()) {
            Timer.builder("bulk.job.duration")
                    .description("Time from a job's submission to its terminal status")
                    .tag("type", job.type().name())
                    .tag("status", job.status().name())
                    .publishPercentileHistogram()
                    .maximumExpectedValue(Duration.ofHours(1))
                    .register(registry)
                    .record(job.duration());
        }
    }
}
