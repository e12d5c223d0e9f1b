package com.portfoliobulk.worker.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every task and job series is scraped at 0 before the first task after a start, so that Prometheus
 * sees the tasks applied and the jobs finished before its first scrape (a job of 1,000 tasks finished
 * within one scrape interval is an increase of 1,000, not a series that first appears at 1,000).
 */
class ApplyMetricsTests {

    @Test
    void everyActionOutcomeAndReasonAndEveryJobTypeIsScrapedAtZeroBeforeTheFirstTask() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new ApplyMetrics(registry);

        String scrape = registry.scrape();

        for (TaskAction action : TaskAction.values()) {
            assertThat(scrape)
                    .contains(applied(action.name(), "SUCCEEDED", "NONE") + " 0.0")
                    .contains("bulk_task_apply_seconds_count{action=\"" + action + "\"} 0");
            for (ReasonCode reason : ReasonCode.values()) {
                assertThat(scrape)
                        .contains(applied(action.name(), reason.status().name(), reason.name()) + " 0.0");
            }
        }
        for (JobType type : JobType.values()) {
            for (String status : new String[] {"COMPLETED", "COMPLETED_WITH_ERRORS"}) {
                assertThat(scrape)
                        .contains("bulk_job_duration_seconds_count{status=\"" + status + "\",type=\"" + type + "\"} 0");
            }
        }
    }

    @Test
    void committedWorkIsCountedOnTheRegisteredSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ApplyMetrics metrics = new ApplyMetrics(registry);
        AppliedTasks applied = AppliedTasks.empty();
        applied.outcomes().add(new TaskOutcome(UUID.randomUUID(), "REMOVE", TaskStatus.SUCCEEDED, null));
        applied.outcomes()
                .add(new TaskOutcome(UUID.randomUUID(), "REMOVE", TaskStatus.CANCELLED, ReasonCode.JOB_CANCELLED));
        applied.finishedJobs().add(new FinishedJob("REMOVE_ACCESS", JobStatus.COMPLETED, Duration.ofSeconds(2)));

        metrics.committed(applied, Duration.ofMillis(30));

        assertThat(registry.scrape())
                .contains(applied("REMOVE", "SUCCEEDED", "NONE") + " 1.0")
                .contains(applied("REMOVE", "CANCELLED", "JOB_CANCELLED") + " 1.0")
                .contains(applied("INVITE", "SUCCEEDED", "NONE") + " 0.0")
                .contains("bulk_task_apply_seconds_count{action=\"REMOVE\"} 2")
                .contains("bulk_job_duration_seconds_count{status=\"COMPLETED\",type=\"REMOVE_ACCESS\"} 1")
                .contains("bulk_job_duration_seconds_count{status=\"COMPLETED\",type=\"UPDATE_ROLES\"} 0");
    }

    private static String applied(String action, String outcome, String reason) {
        return "bulk_tasks_applied_total{action=\"" + action + "\",outcome=\"" + outcome + "\",reason=\"" + reason
                + "\"}";
    }
}
