package com.portfoliobulk.gateway.jobs;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** Jobs as the status endpoint shows them, for features that tell clients about jobs (webhooks). */
@Component
public class JobStatusViews {

    private final JobRepository jobs;

    JobStatusViews(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** The jobs among {@code jobIds} that exist, by id, read in one statement. */
    public Map<UUID, JobView> find(Collection<UUID> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        return jobs.findByIdIn(jobIds).stream()
                .map(row -> row.job().view())
                .collect(Collectors.toMap(JobView::jobId, Function.identity()));
    }
}
