package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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

    /**
     * The context of a consumed record, for lines written about it outside the listener's own (by the
     * error handler, or once its dead letter is sent): the ids of its event when it could be read, and
     * the trace of its {@code traceparent} header.
     */
    static LogContext of(ConsumerRecord<?, ?> record) {
        String traceParent = TraceContexts.traceParent(record);
        return record.value() instanceof AccountActivityEvent event
                ? of(event.jobId(), event.taskId(), event.portfolioId(), traceParent)
                : of(null, null, null, traceParent);
    }
}
