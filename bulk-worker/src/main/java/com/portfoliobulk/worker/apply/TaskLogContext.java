package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.UUID;

/**
 * The logging context of a task while it is processed: its {@code jobId}, {@code taskId},
 * {@code portfolioId} and {@code traceId} (the trace the task travels with, from its record's
 * {@code traceparent}), so that every line about it can be searched by job, task, portfolio or trace.
 * Closing it puts back what was there before (the batch's own trace, for one).
 */
final class TaskLogContext {

    private TaskLogContext() {}

    /** The context of a record, completed by its stored task when the record does not say. */
    static LogContext of(TaskCommand command, TaskRow row) {
        UUID jobId = command.message() != null ? command.message().jobId() : null;
        UUID portfolioId = command.message() != null ? command.message().portfolioId() : null;
        return LogContext.open()
                .put(LogContext.TASK_ID, command.taskId())
                .put(LogContext.JOB_ID, jobId != null ? jobId : row == null ? null : row.jobId())
                .put(
                        LogContext.PORTFOLIO_ID,
                        portfolioId != null ? portfolioId : row == null ? null : row.portfolioId())
                .traceParent(command.traceParent());
    }

    static LogContext of(TaskCommand command) {
        return of(command, null);
    }
}
