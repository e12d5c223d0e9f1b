package com.portfoliobulk.servicesupport.tracing;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Many records sent with a producer, observed run by run instead of record by record: each run of
 * records of one trace context is one observation ({@value #OBSERVATION}, so one span of that trace and
 * one timing), from its first send until the broker acknowledged its last record, and every record of
 * the run carries the run's W3C {@code traceparent} header, so the consumer continues the trace. The
 * template's own observation costs a span, a timer update and a header injection per record, which
 * was about a fifth of the CPU of a large job.
 *
 * <p>Not thread-safe: one thread sends, runs one after another; acknowledgements may arrive on any
 * thread.
 */
public final class TracedSends<K, V> {

    /** The observation of a run of records: its metric is {@code bulk_kafka_send_seconds}. */
    public static final String OBSERVATION = "bulk.kafka.send";

    private final Producer<K, V> producer;

    private final ObservationRegistry observations;

    private final String topic;

    /** Records not yet acknowledged, plus one until {@link #acknowledged()} is called. */
    private final AtomicInteger unacknowledged = new AtomicInteger(1);

    private final CompletableFuture<Void> acknowledged = new CompletableFuture<>();

    public TracedSends(Producer<K, V> producer, ObservationRegistry observations, String topic) {
        this.producer = producer;
        this.observations = observations;
        this.topic = topic;
    }

    /**
     * Starts a run of records in the trace context {@code traceParent} ({@code null}: the current one,
     * if any). Close it once its records are handed to the producer.
     */
    public Run run(String traceParent, int records) {
        return new Run(traceParent, records);
    }

    /** Whether a send failed already (the producer may refuse at once, e.g. without broker metadata). */
    public boolean failed() {
        return acknowledged.isCompletedExceptionally();
    }

    /**
     * No more runs: the returned future completes when the broker acknowledged every record sent, or
     * fails with the first failure.
     */
    public CompletableFuture<Void> acknowledged() {
        release(null);
        return acknowledged;
    }

    private void release(Exception failure) {
        if (failure != null) {
            acknowledged.completeExceptionally(failure);
        }
        if (unacknowledged.decrementAndGet() == 0) {
            acknowledged.complete(null);
        }
    }

    /** The records of one trace context, sent in their order. */
    public final class Run implements AutoCloseable {

        private final Observation observation;

        private final Scope trace;

        private final Observation.Scope scope;

        private final Header header;

        /** Records of the run not yet acknowledged, plus one until the run is closed. */
        private final AtomicInteger pending = new AtomicInteger(1);

        private final AtomicReference<Exception> failure = new AtomicReference<>();

        private Run(String traceParent, int records) {
            this.trace = TraceContexts.continueFrom(traceParent);
            this.observation = Observation.createNotStarted(OBSERVATION, observations)
                    .contextualName(topic + " send")
                    .lowCardinalityKeyValue("messaging.system", "kafka")
                    .lowCardinalityKeyValue("messaging.destination.name", topic)
                    .highCardinalityKeyValue("messaging.batch.message_count", Integer.toString(records))
                    .start();
            this.scope = observation.openScope();
            String current = TraceContexts.current();
            this.header = current == null
                    ? null
                    : new RecordHeader(TraceContexts.HEADER, current.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Hands one record to the producer, which sends it asynchronously.
         *
         * @throws RuntimeException when the producer refuses it at once (the run and the sends fail too)
         */
        public void send(K key, V value) {
            RecordHeaders headers = header == null ? new RecordHeaders() : new RecordHeaders(new Header[] {header});
            ProducerRecord<K, V> record = new ProducerRecord<>(topic, null, null, key, value, headers);
            pending.incrementAndGet();
            unacknowledged.incrementAndGet();
            try {
                producer.send(record, (metadata, exception) -> done(exception));
            } catch (RuntimeException ex) {
                done(ex);
                throw ex;
            }
        }

        private void done(Exception exception) {
            if (exception != null && failure.compareAndSet(null, exception)) {
                observation.error(exception);
            }
            if (pending.decrementAndGet() == 0) {
                observation.stop();
            }
            release(exception);
        }

        /** The run's records are all handed to the producer; its observation ends with their acknowledgement. */
        @Override
        public void close() {
            scope.close();
            trace.close();
            if (pending.decrementAndGet() == 0) {
                observation.stop();
            }
        }
    }
}
