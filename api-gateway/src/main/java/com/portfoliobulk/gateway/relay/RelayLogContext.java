package com.portfoliobulk.gateway.relay;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Puts the {@code jobId}, {@code portfolioId}, {@code taskId} and {@code traceId} (the trace of the
 * job's submission) of the tasks being published into the logging context, so that lines written
 * while they are sent can be searched by job, portfolio, task or trace. Closing it puts back what was
 * there before.
 */
final class RelayLogContext implements AutoCloseable {

    /** A W3C trace id: 32 lower-case hexadecimal digits (compiled once: it is checked for every task). */
    private static final Pattern TRACE_ID_PATTERN = Pattern.compile("[0-9a-f]{32}");

    static final String JOB_ID = "jobId";

    static final String PORTFOLIO_ID = "portfolioId";

    static final String TASK_ID = "taskId";

    static final String TRACE_ID = "traceId";

    private final Map<String, String> previous = new HashMap<>();

    private RelayLogContext() {}

    /** The context of a run of tasks of one job. */
    static RelayLogContext ofJob(OutboxTask first) {
        RelayLogContext context = new RelayLogContext();
        context.put(JOB_ID, first.message().jobId());
        context.put(PORTFOLIO_ID, first.message().portfolioId());
        context.put(TRACE_ID, traceId(first.traceParent()));
        return context;
    }

    /** The context of one task. */
    static RelayLogContext ofTask(OutboxTask task) {
        RelayLogContext context = ofJob(task);
        context.put(TASK_ID, task.id());
        return context;
    }

    /** The trace id of a W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}); null if malformed. */
    static String traceId(String traceParent) {
        if (traceParent == null) {
            return null;
        }
        String[] parts = traceParent.trim().split("-");
        return parts.length >= 4 && TRACE_ID_PATTERN.matcher(parts[1]).matches() ? parts[1] : null;
    }

    private void put(String key, Object value) {
        if (value == null) {
            return;
        }
        if (!previous.containsKey(key)) {
            previous.put(key, MDC.get(key));
        }
        MDC.put(key, value.toString());
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
