package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.servicesupport.logging.LogContext;

/**
 * The logging context of the tasks being published: their {@code jobId}, {@code portfolioId},
 * {@code taskId} and {@code traceId} (the trace of the job's submission), so that lines written while
 * they are sent can be searched by job, portfolio, task or trace.
 */
final class RelayLogContext {

    private RelayLogContext() {}

    /** The context of a run of tasks of one job. */
    static LogContext ofJob(OutboxTask first) {
        return LogContext.open()
                .put(LogContext.JOB_ID, first.message().jobId())
                .put(LogContext.PORTFOLIO_ID, first.message().portfolioId())
                .traceParent(first.traceParent());
    }

    /** The context of one task. */
    static LogContext ofTask(OutboxTask task) {
        return ofJob(task).put(LogContext.TASK_ID, task.id());
    }
}
