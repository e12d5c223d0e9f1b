package com.portfoliobulk.worker.apply;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Puts a task's {@code jobId}, {@code taskId}, {@code portfolioId} and {@code traceId} (the trace the
 * task travels with, from its record's {@code traceparent}) into the logging context while the task is
 * processed, so that every line about it, structured (JSON) or not, can be searched by job, task,
 * portfolio or trace. Closing it puts back what was there before (the batch's own trace, for one).
 */
final class TaskLogContext implements AutoCloseable {

    /** A W3C trace id: 32 lower-case hexadecimal digits (compiled once: it is checked for every task). */
    private static final Pattern TRACE_ID_PATTERN = Pattern.compile("[0-9a-f]{32}");

    static final String JOB_ID = "jobId";

    static final String TASK_ID = "taskId";

    static final String PORTFOLIO_ID = "portfolioId";

    static final String TRACE_ID = "traceId";

    private final Map<String, String> previous = new HashMap<>();

    private TaskLogContext() {}

    /** The context of a record, completed by its stored task when the record does not say. */
    static TaskLogContext of(TaskCommand command, TaskRow row) {
        TaskLogContext context = new TaskLogContext();
        context.put(TASK_ID, command.taskId());
        UUID jobId = command.message() != null ? command.message().jobId() : null;
        UUID portfolioId = command.message() != null ? command.message().portfolioId() : null;
        context.put(JOB_ID, jobId != null ? jobId : row == null ? null : row.jobId());
        context.put(PORTFOLIO_ID, portfolioId != null ? portfolioId : row == null ? null : row.portfolioId());
        String traceId = traceId(command.traceParent());
        if (traceId != null) {
            context.put(TRACE_ID, traceId);
        }
        return context;
    }

    static TaskLogContext of(TaskCommand command) {
        return of(command, null);
    }

    /** The trace id of a W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}); null if malformed. */
    static String traceId(String traceParent) {
        if (traceParent == null) {
            return null;
        }
        String[] parts = traceParent.trim().split("-");
        if (parts.length < 4
                || parts[1].length() != 32
                || !TRACE_ID_PATTERN.matcher(parts[1]).matches()) {
            return null;
        }
        return parts[1];
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
