package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.Portfolios;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;

/** Reads jobs and their task outcomes for polling clients. */
@Service
class JobProgress {

    /** The list names of the jobs' cursors: a cursor of one list is refused by another. */
    static final String JOBS = "jobs";

    static final String TASKS = "tasks";

    private final Jobs jobs;

    private final JobRepository repository;

    private final JobStatusCache statusCache;

    private final Portfolios portfolios;

    private final TaskCursors taskCursors;

    JobProgress(
            Jobs jobs,
            JobRepository repository,
            JobStatusCache statusCache,
            Portfolios portfolios,
            TaskCursors taskCursors) {
        this.jobs = jobs;
        this.repository = repository;
        this.statusCache = statusCache;
        this.portfolios = portfolios;
        this.taskCursors = taskCursors;
    }

    /** The job (one row: its counters and version); 404 when it is not one of the portfolio's. */
    Job job(UUID portfolioId, UUID jobId) {
        return find(portfolioId, jobId).orElseThrow(() -> JobProblems.jobNotFound(jobId));
    }

    /**
     * The job for a status poll: as {@link #job}, but possibly as read a little earlier for another
     * poll or ahead of the polls (at most 100 ms ago by default, 1 s while the database is slow to
     * answer; see {@link JobStatusCache}), never older than the version {@code known} that the poll's
     * client knows of, if it names one.
     */
    Job status(UUID portfolioId, UUID jobId, OptionalLong known) {
        return statusCache
                .job(portfolioId, jobId, known, () -> jobs.findForStatus(portfolioId, jobId))
                .orElseThrow(() -> JobProblems.jobNotFound(jobId));
    }

    /** The portfolio's jobs, newest first, keyed by creation time (microseconds, as stored) and id. */
    Page<JobView> jobs(UUID portfolioId, JobStatus status, JobType type, PageRequest paging) {
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (paging.after() != null) {
            afterCreatedAt = paging.after().micros(0);
            afterId = paging.after().uuid(1);
        }
        List<Job> fetched = jobs.list(portfolioId, status, type, afterCreatedAt, afterId, paging.limit());
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
        }
        return paging.page(fetched, job -> Cursor.ofTime(Cursor.list(JOBS, portfolioId), job.createdAt(), job.id()))
                .map(Job::view);
    }

    /**
     * The job's tasks in task order, keyed by their position, which the cursors carry encrypted
     * ({@link TaskCursors}); 404 when the job is not one of the portfolio's. The job and the page of its tasks are read in one statement ({@link Jobs#taskPage}):
     * a job the retention sweep deleted by the time its page is read is not found, as a job never
     * there, and never answers a short last page as if the list ended there.
     */
    Page<TaskView> tasks(UUID portfolioId, UUID jobId, TaskFilter filter, PageRequest paging) {
        long afterSeq = paging.after() == null ? 0 : taskCursors.seq(jobId, paging.after());
        List<Jobs.TaskRow> fetched = jobs.taskPage(portfolioId, jobId, filter, afterSeq, paging.limit())
                .orElseThrow(() -> JobProblems.jobNotFound(jobId));
        return paging.page(fetched, task -> taskCursors.after(jobId, task.seq()))
                .map(Jobs.TaskRow::task);
    }

    /**
     * Streams every matching task of the job in order, without holding them all in memory. Once the
     * pages run out (one came back short), the job is looked for again: the retention sweep deletes a
     * job before its tasks, so a job still there had every task read, while a job deleted meanwhile
     * ended its pages early and is refused (404; a download that has begun is cut off), never handed
     * over as part of its tasks.
     */
    void forEachTask(UUID portfolioId, UUID jobId, TaskFilter filter, Consumer<TaskView> action) {
        jobs.forEachTask(jobId, filter, action);
        job(portfolioId, jobId);
    }

    private Optional<Job> find(UUID portfolioId, UUID jobId) {
        return repository.findByIdAndPortfolioId(jobId, portfolioId).map(JobRepository.Row::job);
    }
}
