package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/** {@code bulk_jobs_submitted_total} and {@code bulk_job_submission_seconds}, by job type. */
@Component
class JobMetrics {

    private final Map<JobType, Counter> submitted = new EnumMap<>(JobType.class);

    private final Map<JobType, Timer> submission = new EnumMap<>(JobType.class);

    JobMetrics(MeterRegistry registry) {
        for (JobType type : JobType.values()) {
            submitted.put(
                    type,
                    Counter.builder("bulk.jobs.submitted")
                            .description("Bulk jobs accepted (idempotent replays not counted)")
                            .tag("type", type.name())
                            .register(registry));
            submission.put(
                    type,
                    Timer.builder("bulk.job.submission")
                            .description("Time to validate, resolve and store a new bulk job with its tasks")
                            .tag("type", type.name())
                            .publishPercentileHistogram()
                            .register(registry));
        }
    }

    void submitted(JobType type, Duration took) {
        submitted.get(type).increment();
        submission.get(type).record(took);
    }
}
