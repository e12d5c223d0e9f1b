package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.worker.WorkerProperties;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import com.portfoliobulk.worker.deadletter.DeadLetters;
import com.portfoliobulk.worker.deadletter.DeadLetters.DeadLetter;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Consumes task records in batches and applies them (at least once delivery, effect once).
 *
 * <p>For each batch: unreadable records are set aside for the dead letter topic (except those a newer
 * version wrote, whose tasks fail and are tried again, see {@link TaskApplier}), the rest is applied
 * in task order; records of one account come from one partition, and a task whose account still has
 * an earlier pending task (its record late or lost) is deferred until that one ends (see
 * {@link TaskTransaction}), so per-account order holds even when the relay's records arrive out of
 * order. Then the dead letters and the activity events of the applied changes are sent, and the
 * method returns only when the broker acknowledged all of them. Only then does the container commit the batch's
 * offsets. Any exception makes the container redeliver the batch after a back-off; redelivered tasks
 * that are already finished are recognised by their stored status and only their events are sent
 * again. Each pass over a batch is a span ({@value #SPAN}) in the trace of each job it has records of
 * (from the records' {@code traceparent}), whatever the tasks come to: applied, skipped or failed.
 */
@Component
public class TaskListener {

    /** The listener (container) id. */
    public static final String ID = "bulk-tasks";

    /** The name of the span of a pass over a batch, one in each trace of its records. */
    public static final String SPAN = "bulk-tasks apply";

    private static final Logger log = LoggerFactory.getLogger(TaskListener.class);

    private final TaskApplier applier;

    private final DeadLetters deadLetters;

    private final ActivityPublisher activity;

    private final ApplyMetrics metrics;

    private final WorkerProperties properties;

    private final JsonMapper json;

    private final Tracer tracer;

    TaskListener(
            TaskApplier applier,
            DeadLetters deadLetters,
            ActivityPublisher activity,
            ApplyMetrics metrics,
            WorkerProperties properties,
            JsonMapper json,
            ObjectProvider<OpenTelemetry> openTelemetry) {
        this.applier = applier;
        this.deadLetters = deadLetters;
        this.activity = activity;
        this.metrics = metrics;
        this.properties = properties;
        this.json = json;
        this.tracer = openTelemetry.getIfAvailable(OpenTelemetry::noop).getTracer("bulk-worker");
    }

    /** The task topic, for the listener annotation. */
    public String getTopic() {
        return properties.topics().tasks();
    }

    @KafkaListener(id = ID, idIsGroup = false, topics = "#{__listener.topic}", batch = "true")
    public void onTasks(List<ConsumerRecord<String, BulkTaskMessage>> records) {
        // Spring Kafka observes no batch listener (only each record, with recordObservationsInBatch):
        // the pass is a span in the trace of each job it has records of, however its tasks end.
        List<Span> spans = TraceContexts.spans(tracer, SPAN, records);
        try {
            apply(records);
        } finally {
            spans.forEach(Span::end);
        }
    }

    private void apply(List<ConsumerRecord<String, BulkTaskMessage>> records) {
        metrics.batchReceived(records.size());
        List<TaskCommand> commands = new ArrayList<>(records.size());
        // Each task's trace context (from the relay's record headers), continued by its activity events.
        Map<UUID, String> traceParents = traceParents(records);
        List<IndexedDeadLetter> toDeadLetter = new ArrayList<>();
        for (int index = 0; index < records.size(); index++) {
            ConsumerRecord<String, BulkTaskMessage> record = records.get(index);
            Optional<UnreadableRecord> unreadable = UnreadableRecord.of(record, json);
            String traceParent = TraceContexts.traceParent(record);
            if (unreadable.isEmpty()) {
                commands.add(TaskCommand.apply(index, record.value(), traceParent));
                continue;
            }
            Exception failure = unreadable.get().failure();
            String reason = "The task record cannot be read: " + ErrorText.of(failure);
            Optional<UUID> taskId = unreadable.get().taskId();
            if (unreadable.get().newer() && taskId.isPresent()) {
                // Written by a newer version: its task waits for the workers of that version, as a task
                // whose row this version cannot read does, and is dead-lettered only if no task is stored.
                commands.add(TaskCommand.newer(index, taskId.get(), unreadable.get(), reason, traceParent));
                continue;
            }
            UnreadableRecord about = unreadable.get();
            toDeadLetter.add(new IndexedDeadLetter(
                    index, new DeadLetter(record, failure), () -> TaskLogContext.of(about, traceParent)));
            if (taskId.isPresent()) {
                commands.add(TaskCommand.invalid(index, taskId.get(), about, reason, traceParent));
            }
        }
        BatchResult result = applier.apply(commands);
        Map<Integer, TaskCommand> byIndex = new HashMap<>();
        commands.forEach(command -> byIndex.putIfAbsent(command.index(), command));
        for (Rejection rejection : result.rejections()) {
            TaskCommand command = byIndex.get(rejection.index());
            toDeadLetter.add(new IndexedDeadLetter(
                    rejection.index(),
                    new DeadLetter(records.get(rejection.index()), new InvalidTaskException(rejection.reason())),
                    () -> command == null ? null : TaskLogContext.of(command)));
        }
        toDeadLetter.sort(Comparator.comparingInt(IndexedDeadLetter::index));
        awaitAcknowledgements(CompletableFuture.allOf(
                deadLetters.send(
                        toDeadLetter.stream().map(IndexedDeadLetter::deadLetter).toList(), deadLetterLog(toDeadLetter)),
                activity.publish(result.events(), event -> traceParents.get(event.taskId()))));
        if (result.tasksAwaitingRetry() > 0) {
            throw new TasksAwaitingRetryException(result.tasksAwaitingRetry());
        }
    }

    /**
     * One line per record set aside, once its dead letter is recorded: with the dead letter's id, which
     * an operator re-drives it by, and its task's context: the ids the record names, as far as they can be
     * read, and its trace. A warning the first time; a record whose dead letter was sent on an earlier
     * delivery of its batch (redelivered for another task's retry) is logged again at debug level only,
     * so that each dead letter has one warning however often its batch comes back.
     */
    private static DeadLetters.Recorded deadLetterLog(List<IndexedDeadLetter> deadLetters) {
        // By identity: DeadLetters tells of the very objects it was given.
        Map<DeadLetter, Supplier<LogContext>> contexts = new IdentityHashMap<>();
        deadLetters.forEach(deadLetter -> contexts.put(deadLetter.deadLetter(), deadLetter.context()));
        return (deadLetter, id, sentBefore) -> {
            ConsumerRecord<?, ?> record = deadLetter.record();
            Supplier<LogContext> context = contexts.get(deadLetter);
            try (LogContext about = context == null ? null : context.get()) {
                if (sentBefore) {
                    log.debug(
                            "Record {}-{}@{} was sent to the dead letter topic before, as dead letter {}",
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            id);
                    return;
                }
                log.warn(
                        "Record {}-{}@{} goes to the dead letter topic as dead letter {}: {}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        id,
                        ErrorText.of(deadLetter.reason()));
            }
        };
    }

    private static Map<UUID, String> traceParents(List<ConsumerRecord<String, BulkTaskMessage>> records) {
        Map<UUID, String> traceParents = new HashMap<>();
        for (ConsumerRecord<String, BulkTaskMessage> record : records) {
            String traceParent = TraceContexts.traceParent(record);
            if (traceParent != null && record.value() instanceof BulkTaskMessage task && task.taskId() != null) {
                traceParents.put(task.taskId(), traceParent);
            }
        }
        return traceParents;
    }

    private void awaitAcknowledgements(CompletableFuture<Void> sent) {
        try {
            sent.get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException ex) {
            throw new KafkaException(
                    "Activity events or dead letters were not acknowledged; redelivering the batch", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while waiting for the broker; redelivering the batch", ex);
        }
    }

    /** A record set aside, at its position in the batch, with the logging context of the line about it. */
    private record IndexedDeadLetter(int index, DeadLetter deadLetter, Supplier<LogContext> context) {}

    /** Why a readable record cannot be applied: it names no stored task, or not as stored. */
    static final class InvalidTaskException extends RuntimeException {

        InvalidTaskException(String message) {
            super(message);
        }
    }
}
