package com.portfoliobulk.audit.log;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Puts the {@code jobId}, {@code taskId}, {@code portfolioId} and {@code traceId} of the activity being
 * written into the logging context, so that lines about it can be searched by job, task, portfolio or
 * trace. Values that are unknown (an account link change has no job) are left out. Closing it puts
 * back what was there before.
 */
final class ActivityLogContext implements AutoCloseable {

    /** A W3C trace id: 32 lower-case hexadecimal digits (compiled once: it is checked for every task). */
    private static final Pattern TRACE_ID_PATTERN = Pattern.compile("[0-9a-f]{32}");

    private final Map<String, String> previous = new HashMap<>();

    private ActivityLogContext() {}

    static ActivityLogContext of(Object jobId, Object taskId, Object portfolioId, String traceParent) {
        ActivityLogContext context = new ActivityLogContext();
        context.put("jobId", jobId);
        context.put("taskId", taskId);
        context.put("portfolioId", portfolioId);
        context.put("traceId", traceId(traceParent));
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
