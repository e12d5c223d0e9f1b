package com.portfoliobulk.servicesupport.tracing;

import com.portfoliobulk.servicesupport.logging.LogContext;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeAttachedEvent;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper.ScopeClosedEvent;
import io.micrometer.tracing.otel.bridge.Slf4JEventListener;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The trace ids in the logging context ({@code traceId}, {@code spanId}) while a span is current, as
 * Spring Boot's Micrometer Tracing puts them there; but when the span's scope closes, they are put back
 * as they were when it opened, not removed. A span that opens and closes inside a piece of work whose
 * lines carry the trace it travels with ({@link LogContext}: a task of the worker's batch, an activity
 * event of the audit-consumer's, a job's tasks in a relay pass), such as a database statement's with
 * {@code BULK_TRACING_JDBC_OUTSIDE_TRACES=true}, took that trace id off every line written after it.
 * Where nothing was there before (a request, a traced call), closing removes them, as before.
 */
@AutoConfiguration(before = OpenTelemetryTracingAutoConfiguration.class)
@ConditionalOnClass({Slf4JEventListener.class, OpenTelemetryTracingAutoConfiguration.class, MDC.class})
public final class TraceLogContextAutoConfiguration {

    /** In place of Spring Boot's own listener, which backs off when there is one. */
    @Bean
    static Slf4JEventListener restoringSlf4JEventListener() {
        return new RestoringSlf4JEventListener();
    }

    /**
     * Micrometer's listener, which remembers what the logging context had when a scope opened and puts
     * it back when the scope closes; the context restored then, if it has a span, puts that one's ids, as
     * Micrometer's does. Scopes open and close in order on a thread, so what each thread remembers is a
     * stack; one closed with nothing remembered (opened before this listener) is left to Micrometer's.
     */
    static final class RestoringSlf4JEventListener extends Slf4JEventListener {

        private static final String TRACE_ID = "traceId";

        private static final String SPAN_ID = "spanId";

        private static final ThreadLocal<Deque<Ids>> BEFORE = ThreadLocal.withInitial(ArrayDeque::new);

        @Override
        public void onEvent(Object event) {
            if (event instanceof ScopeAttachedEvent) {
                BEFORE.get().push(new Ids(MDC.get(TRACE_ID), MDC.get(SPAN_ID)));
            } else if (event instanceof ScopeClosedEvent) {
                Deque<Ids> before = BEFORE.get();
                if (!before.isEmpty()) {
                    Ids ids = before.pop();
                    put(TRACE_ID, ids.traceId());
                    put(SPAN_ID, ids.spanId());
                    if (before.isEmpty()) {
                        BEFORE.remove();
                    }
                    return;
                }
            }
            super.onEvent(event);
        }

        private static void put(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }

        private record Ids(String traceId, String spanId) {}
    }
}
