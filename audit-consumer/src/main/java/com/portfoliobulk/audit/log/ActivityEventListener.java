package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.servicesupport.logging.FailureText;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;

/**
 * Consumes activity events in batches and writes one entry per event.
 *
 * <p>At-least-once: the offsets of a batch are committed only after its entries are written, and a
 * redelivered event is a harmless duplicate. A record that can never be written is a poison record.
 * An unreadable or invalid one: the entries before it are written, then it is reported by its index
 * so the error handler sends it to the dead-letter topic and goes on with the records after it. When
 * the database refuses the batch for its data, its entries are written one at a time and every refused
 * one goes to the dead-letter topic from here, in the same pass: a run of refused events (a schema
 * that lags the events, say) then costs one statement each, not one poll of the batch each, and their
 * dead letters are sent together and waited for once, not one broker round trip each. Any other
 * failure (database down, timeout, deadlock, or the dead-letter topic unreachable) is reported as the
 * batch's first record's ({@link EntriesNotWrittenException}), which the error handler delivers again
 * from there, with back-off and its consumer paused, until it is written. When it strikes while the
 * entries are written one at a time, it is reported as that entry's record: the records before it,
 * written or sent to the dead-letter topic, are committed and not handled again. Never as a plain
 * failure: spring-kafka's whole-batch retry, which handles those, runs the whole batch again on every
 * failure, a record reported included, so it sent the refused events to the dead-letter topic, and
 * counted them, once more, and every record of a batch with a poison record to the dead-letter topic
 * once it met that record.
 */
@Component
class ActivityEventListener {

    /** The listener container's id, for the health indicator and tests. */
    static final String ID = "activity-log";

    private static final LogAccessor log = new LogAccessor(ActivityEventListener.class);

    private final ActivityRecorder recorder;

    private final Tracer tracer;

    private final ActivityDeadLetters deadLetters;

    private final Counter deadLettered;

    ActivityEventListener(
            ActivityRecorder recorder,
            ObjectProvider<OpenTelemetry> openTelemetry,
            ActivityDeadLetters deadLetters,
            MeterRegistry meters) {
        this.recorder = recorder;
        this.tracer = openTelemetry.getIfAvailable(OpenTelemetry::noop).getTracer("audit-consumer");
        this.deadLetters = deadLetters;
        this.deadLettered = deadLettered(meters);
    }

    /**
     * Events sent to the dead-letter topic instead of the log, by the error handler (unreadable or
     * invalid ones) or by this listener (those the database refuses): each one an entry missing.
     */
    static Counter deadLettered(MeterRegistry meters) {
        return Counter.builder("bulk.audit.entries.dead.lettered")
                .description("Activity events sent to the dead-letter topic instead of the activity log")
                .register(meters);
    }

    @KafkaListener(
            id = ID,
            topics = "${bulk.audit.activity-topic:" + Topics.ACCOUNT_ACTIVITY + "}",
            groupId = "${bulk.audit.group-id:" + AuditProperties.DEFAULT_GROUP_ID + "}",
            concurrency = "${bulk.audit.concurrency:" + AuditProperties.DEFAULT_CONCURRENCY + "}",
            batch = "true")
    void onEvents(List<ConsumerRecord<String, AccountActivityEvent>> records) {
        // The batch's write is a span in the trace of each job it has events of (from the record headers).
        List<Span> spans = TraceContexts.spans(tracer, "activity-log write", records);
        try {
            record(records);
        } finally {
            spans.forEach(Span::end);
        }
    }

    private void record(List<ConsumerRecord<String, AccountActivityEvent>> records) {
        List<NewActivityEntry> entries = new ArrayList<>(records.size());
        List<String> traceParents = new ArrayList<>(records.size());
        for (int index = 0; index < records.size(); index++) {
            ConsumerRecord<String, AccountActivityEvent> record = records.get(index);
            try {
                entries.add(NewActivityEntry.of(readable(record), record.partition(), record.offset()));
                traceParents.add(TraceContexts.traceParent(record));
            } catch (DeserializationException | InvalidActivityEventException poison) {
                writeOrReport(entries, traceParents, records);
                AccountActivityEvent event = record.value();
                try (LogContext context = event == null
                        ? ActivityLogContext.of(null, null, null, TraceContexts.traceParent(record))
                        : ActivityLogContext.of(
                                event.jobId(),
                                event.taskId(),
                                event.portfolioId(),
                                TraceContexts.traceParent(record))) {
                    log.warn(
                            poison,
                            () -> "Activity event " + record.topic() + "-" + record.partition() + "@" + record.offset()
                                    + " goes to the dead letter topic");
                }
                throw new BatchListenerFailedException("Unreadable or invalid activity event", poison, index);
            }
        }
        writeOrReport(entries, traceParents, records);
    }

    /**
     * {@link #write}s the entries; a failure is reported as the record to deliver the batch again from,
     * never as a plain one: the whole-batch retry a plain one goes to runs the whole batch again on every
     * failure, a record reported then included, so the events the database refused before it would be
     * sent to the dead-letter topic, and counted, once more.
     */
    private void writeOrReport(
            List<NewActivityEntry> entries,
            List<String> traceParents,
            List<ConsumerRecord<String, AccountActivityEvent>> records) {
        try {
            write(entries, traceParents, records);
        } catch (BatchListenerFailedException entryNotWritten) {
            // One of them, written one at a time, failed: delivered again from that one's record.
            throw entryNotWritten;
        } catch (RuntimeException notWritten) {
            // None is written (the database failed): delivered again from the batch's first record.
            throw new EntriesNotWrittenException(entries.size(), notWritten);
        }
    }

    /** One line per job written, in the job's logging context (job, portfolio, trace). */
    private static void logWritten(List<NewActivityEntry> entries, List<String> traceParents) {
        if (!log.isDebugEnabled()) {
            return;
        }
        Map<UUID, Integer> firstOfJob = new LinkedHashMap<>();
        Map<UUID, Integer> countOfJob = new HashMap<>();
        for (int index = 0; index < entries.size(); index++) {
            UUID jobId = entries.get(index).event().jobId();
            if (jobId != null) {
                firstOfJob.putIfAbsent(jobId, index);
                countOfJob.merge(jobId, 1, Integer::sum);
            }
        }
        firstOfJob.forEach((jobId, index) -> {
            AccountActivityEvent event = entries.get(index).event();
            try (LogContext context =
                    ActivityLogContext.of(jobId, null, event.portfolioId(), traceParents.get(index))) {
                log.debug("Recorded " + countOfJob.get(jobId) + " activity entries of job " + jobId);
            }
        });
    }

    private static AccountActivityEvent readable(ConsumerRecord<String, AccountActivityEvent> record) {
        if (record.value() != null) {
            return record.value();
        }
        DeserializationException failure = SerializationUtils.getExceptionFromHeader(
                record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, log);
        throw failure != null
                ? failure
                : new DeserializationException("The activity event has no value", null, false, null);
    }

    /**
     * Writes the entries of consecutive records, starting at the batch's first record (entry {@code i}
     * is of {@code records.get(i)}). When the database refuses the batch for its data (not for its own
     * state), writes them one at a time and sends each refused one's record to the dead-letter topic,
     * without waiting for the broker on each: the dead letters are waited for together, before the pass
     * ends. An entry that fails otherwise there ends the pass with a {@link BatchListenerFailedException}
     * at its record, once the dead letters before it are acknowledged, so that the records before it are
     * committed and only the rest is delivered again. A dead letter that is not sent ends the pass the
     * same way at its record; one the producer gave up on at once ends it there and then, without
     * writing the entries after it.
     */
    private void write(
            List<NewActivityEntry> entries,
            List<String> traceParents,
            List<ConsumerRecord<String, AccountActivityEvent>> records) {
        try {
            recorder.record(entries);
        } catch (DataIntegrityViolationException refusedBatch) {
            List<Refused> refused = new ArrayList<>();
            for (int index = 0; index < entries.size(); index++) {
                AccountActivityEvent event = entries.get(index).event();
                try (LogContext context = ActivityLogContext.of(
                        event.jobId(), event.taskId(), event.portfolioId(), traceParents.get(index))) {
                    try {
                        recorder.record(List.of(entries.get(index)));
                    } catch (DataIntegrityViolationException refusedEntry) {
                        ConsumerRecord<String, AccountActivityEvent> record = records.get(index);
                        CompletableFuture<Void> sent = deadLetters
                                .send(List.of(new ActivityDeadLetters.DeadLetter(record, refusedEntry)))
                                .getFirst();
                        refused.add(new Refused(index, refusedEntry, sent));
                        if (sent.isCompletedExceptionally()) {
                            // The producer gave up at once (the dead-letter topic missing, say): the pass ends
                            // at this record, and the entries after it are delivered again, instead of each
                            // refused one waiting max.block.ms for its own dead letter to fail as well.
                            break;
                        }
                    } catch (RuntimeException notWritten) {
                        // The entries before it are written or, once their dead letters are acknowledged,
                        // dead-lettered: retried from this one's record.
                        awaitDeadLetters(refused, entries, traceParents, records);
                        throw new BatchListenerFailedException("Writing an activity entry failed", notWritten, index);
                    }
                }
            }
            awaitDeadLetters(refused, entries, traceParents, records);
            int sent = refused.size();
            log.warn(() -> sent + " of " + entries.size() + " activity entries refused by the database");
        }
        logWritten(entries, traceParents);
    }

    /**
     * Waits until the broker has answered every dead letter, then counts and logs the acknowledged ones.
     * When one was not sent, throws a {@link BatchListenerFailedException} at its record: the batch is
     * delivered again from there, and only the dead letters before it are counted. A dead letter after
     * it that the broker took anyway is sent once more then (the same event, a repeat its id tells), and
     * counted then.
     */
    private void awaitDeadLetters(
            List<Refused> refused,
            List<NewActivityEntry> entries,
            List<String> traceParents,
            List<ConsumerRecord<String, AccountActivityEvent>> records) {
        CompletableFuture.allOf(refused.stream().map(Refused::sent).toArray(CompletableFuture[]::new))
                .handle((all, failure) -> null)
                .join();
        for (Refused deadLetter : refused) {
            int index = deadLetter.index();
            if (deadLetter.sent().isCompletedExceptionally()) {
                throw new BatchListenerFailedException(
                        "Sending a refused activity event to the dead-letter topic failed",
                        deadLetter.sent().exceptionNow(),
                        index);
            }
            deadLettered.increment();
            AccountActivityEvent event = entries.get(index).event();
            ConsumerRecord<String, AccountActivityEvent> record = records.get(index);
            try (LogContext context = ActivityLogContext.of(
                    event.jobId(), event.taskId(), event.portfolioId(), traceParents.get(index))) {
                log.warn(() -> "Activity event " + event.eventId() + " (" + record.topic() + "-"
                        + record.partition() + "@" + record.offset()
                        + ") refused by the database, sent to the dead-letter topic: "
                        + FailureText.of(deadLetter.reason()));
            }
        }
    }

    /**
     * An event the database refused, and its dead letter's send.
     *
     * @param index the event's record in the batch
     */
    private record Refused(int index, DataIntegrityViolationException reason, CompletableFuture<?> sent) {}

    /**
     * None of the entries of the batch's first records could be written, for the database's state (not
     * for their data): the batch is delivered again from its first record.
     */
    static final class EntriesNotWrittenException extends BatchListenerFailedException {

        private final int entries;

        EntriesNotWrittenException(int entries, Throwable cause) {
            super("Writing " + entries + " activity entries failed", cause, 0);
            this.entries = entries;
        }

        /** How many entries were not written. */
        int entries() {
            return entries;
        }
    }
}
