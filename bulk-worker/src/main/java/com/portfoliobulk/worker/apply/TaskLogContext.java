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
        UUID jobId = command.jobId();
        UUID portfolioId = command.portfolioId();
        return of(
                command.taskId(),
                jobId != null ? jobId : row == null ? null : row.jobId(),
                portfolioId != null ? portfolioId : row == null ? null : row.portfolioId(),
                command.traceParent());
    }

    static LogContext of(TaskCommand command) {
        return of(command, null);
    }

    /** The context of a record that cannot be read: the ids that can be read from it. */
    static LogContext of(UnreadableRecord record, String traceParent) {
        return of(
                record.taskId().orElse(null),
                record.jobId().orElse(null),
                record.portfolioId().orElse(null),
                traceParent);
    }

    private static LogContext of(UUID taskId, UUID jobId, UUID portfolioId, String traceParent) {
        return LogContext.open()
                .put(LogContext.TASK_ID, taskId)
                .put(LogContext.JOB_ID, jobId)
                .put(LogContext.PORTFOLIO_ID, portfolioId)
                .traceParent(traceParent);
    }
}
