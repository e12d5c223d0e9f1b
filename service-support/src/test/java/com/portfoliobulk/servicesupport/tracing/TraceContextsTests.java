package com.portfoliobulk.servicesupport.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A consumer's write joins the trace of each job whose records are in the batch. */
class TraceContextsTests {

    private static final String TRACE_A = "0af7651916cd43dd8448eb211c80319c";

    private static final String TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void startsOneSpanInTheTraceOfEachDistinctTraceContextOfTheBatch() {
        List<SpanData> exported = new CopyOnWriteArrayList<>();
        try (SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(new Collecting(exported)))
                .build()) {
            List<ConsumerRecord<String, String>> records = List.of(
                    record("00-" + TRACE_A + "-b7ad6b7169203331-01"),
                    record("00-" + TRACE_A + "-b7ad6b7169203331-01"),
                    record("00-" + TRACE_B + "-00f067aa0ba902b7-01"),
                    record(null),
                    record("not-a-trace-context"));

            List<Span> spans = TraceContexts.spans(provider.get("test"), "activity-log write", records);
            spans.forEach(Span::end);
        }

        assertThat(exported).hasSize(2);
        assertThat(exported).extracting(SpanData::getTraceId).containsExactly(TRACE_A, TRACE_B);
        assertThat(exported)
                .extracting(SpanData::getParentSpanId)
                .containsExactly("b7ad6b7169203331", "00f067aa0ba902b7");
        assertThat(exported).extracting(SpanData::getName).containsOnly("activity-log write");
    }

    private static ConsumerRecord<String, String> record(String traceParent) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>("portfolio.account-activity", 0, 0, "key", "{}");
        if (traceParent != null) {
            record.headers().add(TraceContexts.HEADER, traceParent.getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private record Collecting(List<SpanData> exported) implements SpanExporter {

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            exported.addAll(spans);
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
