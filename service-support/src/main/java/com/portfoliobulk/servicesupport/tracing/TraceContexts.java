package com.portfoliobulk.servicesupport.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The W3C trace context ({@code traceparent}) as it travels where no instrumentation carries it: stored
 * with a job, or read from a record of a batch. {@link #current()} is the context of the running span;
 * {@link #continueFrom(String)} makes a stored one current, so that the spans started next (a Kafka
 * send, a database write) join its trace.
 */
public final class TraceContexts {

    /** The W3C header (and record header) name. */
    public static final String HEADER = "traceparent";

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private TraceContexts() {}

    /**
     * The record's {@code traceparent}, or {@code null} when it has none, or one without a value (Kafka
     * allows a header without one): never a reason to fail the record.
     */
    public static String traceParent(ConsumerRecord<?, ?> record) {
        Header header = record.headers().lastHeader(HEADER);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** The {@code traceparent} of the current span, or {@code null} when nothing is traced. */
    public static String current() {
        if (!Span.current().getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(Context.current(), carrier, Map::put);
        return carrier.get(HEADER);
    }

    /**
     * Makes the trace context current until the scope is closed; a {@code null} or malformed one
     * leaves the current context as it is.
     */
    public static Scope continueFrom(String traceParent) {
        if (traceParent == null || traceParent.isBlank()) {
            return Scope.noop();
        }
        Context context =
                W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(HEADER, traceParent), GETTER);
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return Scope.noop();
        }
        return context.makeCurrent();
    }

    /**
     * {@code items} cut into runs of consecutive items with the same trace context ({@code null}:
     * untraced), in their order: sending run by run keeps the order of the whole list.
     */
    public static <T> List<List<T>> runs(List<T> items, Function<T, String> traceParent) {
        List<List<T>> runs = new ArrayList<>();
        String previous = null;
        for (T item : items) {
            String current = traceParent.apply(item);
            if (runs.isEmpty() || !Objects.equals(previous, current)) {
                runs.add(new ArrayList<>());
            }
            runs.getLast().add(item);
            previous = current;
        }
        return runs;
    }

    /**
     * Starts one span named {@code name} in the trace of each distinct trace context of the records'
     * headers; the caller ends them.
     */
    public static List<Span> spans(Tracer tracer, String name, List<? extends ConsumerRecord<?, ?>> records) {
        Set<String> traceParents = new LinkedHashSet<>();
        for (ConsumerRecord<?, ?> record : records) {
            String traceParent = traceParent(record);
            if (traceParent != null) {
                traceParents.add(traceParent);
            }
        }
        List<Span> spans = new ArrayList<>(traceParents.size());
        for (String traceParent : traceParents) {
            Context parent = W3CTraceContextPropagator.getInstance()
                    .extract(Context.root(), Map.of(HEADER, traceParent), GETTER);
            if (Span.fromContext(parent).getSpanContext().isValid()) {
                spans.add(tracer.spanBuilder(name)
                        .setParent(parent)
                        .setSpanKind(SpanKind.CONSUMER)
                        .startSpan());
            }
        }
        return spans;
    }
}
