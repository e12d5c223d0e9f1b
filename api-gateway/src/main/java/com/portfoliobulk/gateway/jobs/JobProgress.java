package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Reads jobs and their task outcomes for polling clients. */
@Service
class JobProgress {

    private final Jobs jobs;

    private final TransactionTemplate readOnly;

    private final JobStatusCache statusCache;

    JobProgress(Jobs jobs, PlatformTransactionManager transactions, JobStatusCache statusCache) {
        this.jobs = jobs;
        this.statusCache = statusCache;
        this.readOnly = new TransactionTemplate(transactions);
        this.readOnly.setReadOnly(true);
    }

    /** The job (one row: its counters and version); 404 when it is not one of the portfolio's. */
    Job job(UUID portfolioId, UUID jobId) {
        return jobs.find(portfolioId, jobId).orElseThrow(() -> JobProblems.jobNotFound(jobId));
    }

    /**
     * The job for a status poll: as {@link #job}, but possibly as read a few milliseconds ago by
     * another poll (see {@link JobStatusCache}).
     */
    Job status(UUID portfolioId, UUID jobId) {
        return statusCache
                .job(portfolioId, jobId, () -> jobs.find(portfolioId, jobId))
                .orElseThrow(() -> JobProblems.jobNotFound(jobId));
    }

    CursorPage<JobView> jobs(UUID portfolioId, JobStatus status, JobType type, Paging paging) {
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (paging.after() != null) {
            String[] position = paging.after().split("/", 2);
            try {
                afterCreatedAt = Instant.EPOCH.plus(Long.parseLong(position[0]), ChronoUnit.MICROS);
                afterId = UUID.fromString(position[1]);
            } catch (RuntimeException ex) {
                throw Paging.notACursor();
            }
        }
        List<Job> page = jobs.list(portfolioId, status, type, afterCreatedAt, afterId, paging.limit());
        String next = null;
        if (page.size() > paging.limit()) {
            page = page.subList(0, paging.limit());
            Job last = page.getLast();
            next = Paging.encode(ChronoUnit.MICROS.between(Instant.EPOCH, last.createdAt()) + "/" + last.id());
        }
        return new CursorPage<>(page.stream().map(Job::view).toList(), next);
    }

    CursorPage<TaskView> tasks(UUID portfolioId, UUID jobId, TaskFilter filter, Paging paging) {
        job(portfolioId, jobId);
        long afterSeq = 0;
        if (paging.after() != null) {
            try {
                afterSeq = Long.parseLong(paging.after());
            } catch (NumberFormatException ex) {
                throw Paging.notACursor();
            }
        }
        List<Jobs.TaskRow> page = jobs.tasks(jobId, filter, afterSeq, paging.limit());
        String next = null;
        if (page.size() > paging.limit()) {
            page = page.subList(0, paging.limit());
            next = Paging.encode(String.valueOf(page.getLast().seq()));
        }
        return new CursorPage<>(page.stream().map(Jobs.TaskRow::task).toList(), next);
    }

    /** Streams every matching task of the job in order, without holding them all in memory. */
    void forEachTask(UUID jobId, TaskFilter filter, Consumer<TaskView> action) {
        readOnly.executeWithoutResult(status -> jobs.forEachTask(jobId, filter, action));
    }
}
