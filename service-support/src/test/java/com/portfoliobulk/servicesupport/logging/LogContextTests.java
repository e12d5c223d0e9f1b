package com.portfoliobulk.servicesupport.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The trace id read from a W3C traceparent, and what the context puts into the MDC and takes back. */
class LogContextTests {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void theTraceIdIsTheSecondFieldWhenItIs32LowerCaseHexadecimalDigits() {
        assertThat(LogContext.traceId("00-" + TRACE_ID + "-00f067aa0ba902b7-01"))
                .isEqualTo(TRACE_ID);
        assertThat(LogContext.traceId(" 00-" + TRACE_ID + "-00f067aa0ba902b7-01 "))
                .isEqualTo(TRACE_ID);
    }

    @Test
    void aMalformedTraceParentHasNoTraceId() {
        assertThat(LogContext.traceId(null)).isNull();
        assertThat(LogContext.traceId("")).isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID + "-00f067aa0ba902b7")).isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID.toUpperCase() + "-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID.substring(1) + "-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID + "0-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID.replace('f', 'g') + "-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID.replace('4', '/') + "-00f067aa0ba902b7-01"))
                .isNull();
        assertThat(LogContext.traceId("00-" + TRACE_ID.replace('4', ':') + "-00f067aa0ba902b7-01"))
                .isNull();
    }

    @Test
    void closingPutsBackWhatWasThere() {
        MDC.put(LogContext.JOB_ID, "outer");
        try (LogContext context = LogContext.open()
                .put(LogContext.JOB_ID, "inner")
                .put(LogContext.TASK_ID, "task")
                .traceParent("00-" + TRACE_ID + "-00f067aa0ba902b7-01")) {
            assertThat(MDC.get(LogContext.JOB_ID)).isEqualTo("inner");
            assertThat(MDC.get(LogContext.TRACE_ID)).isEqualTo(TRACE_ID);
        } finally {
            assertThat(MDC.get(LogContext.JOB_ID)).isEqualTo("outer");
            assertThat(MDC.get(LogContext.TASK_ID)).isNull();
            assertThat(MDC.get(LogContext.TRACE_ID)).isNull();
            MDC.remove(LogContext.JOB_ID);
        }
    }
}
