package com.portfoliobulk.audit.log;

import com.portfoliobulk.servicesupport.logging.LogContext;

/**
 * The logging context of the activity being written: its {@code jobId}, {@code taskId},
 * {@code portfolioId} and {@code traceId}, so that lines about it can be searched by job, task,
 * portfolio or trace. Values that are unknown (an account link change has no job) are left out.
 */
final class ActivityLogContext {

    private ActivityLogContext() {}

    static LogContext of(Object jobId, Object taskId, Object portfolioId, String traceParent) {
        return LogContext.open()
                .put(LogContext.JOB_ID, jobId)
                .put(LogContext.TASK_ID, taskId)
                .put(LogContext.PORTFOLIO_ID, portfolioId)
                .traceParent(traceParent);
    }
}
