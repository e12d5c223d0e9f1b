package com.portfoliobulk.worker.apply;

import org.slf4j.MDC;

/**
 * Puts a task's {@code jobId}, {@code taskId} and {@code portfolioId} into the logging context while a
 * line about it is written, so that structured (JSON) logs can be searched by job, task or portfolio;
 * {@code traceId} and {@code spanId} come from the tracing.
 */
final class TaskLogContext implements AutoCloseable {

    static final String JOB_ID = "jobId";

    static final String TASK_ID = "taskId";

    static final String PORTFOLIO_ID = "portfolioId";

    private TaskLogContext() {}

    static TaskLogContext of(TaskCommand command) {
        if (command.taskId() != null) {
            MDC.put(TASK_ID, command.taskId().toString());
        }
        if (command.message() != null) {
            if (command.message().jobId() != null) {
                MDC.put(JOB_ID, command.message().jobId().toString());
            }
            if (command.message().portfolioId() != null) {
                MDC.put(PORTFOLIO_ID, command.message().portfolioId().toString());
            }
        }
        return new TaskLogContext();
    }

    @Override
    public void close() {
        MDC.remove(JOB_ID);
        MDC.remove(TASK_ID);
        MDC.remove(PORTFOLIO_ID);
    }
}
