package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.worker.TransactionWaits;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Operators re-drive a dead letter after a fix: its record goes back to the task topic, with its key,
 * once; the dead letter keeps who re-drove it, when and why. The worker then treats it as any task
 * record (a task already finished is not applied again; a record still invalid is dead-lettered anew).
 * A dead letter whose cause cannot be fixed (a record the gateway did not write, one naming a task a
 * restore removed) would only be dead-lettered again: operators dismiss it instead, which sends nothing
 * and keeps who, when and why, and it is then done with as a re-driven one is. A re-drive is refused,
 * and nothing sent, when its task ended otherwise than applied (the dead-lettering itself fails a
 * pending task whose record is invalid or does not match it): the worker applies a task only while it
 * is pending, so it would change nothing. It is refused too when its task is pending but a later task
 * of its account was applied already: the account's changes would be applied out of order, as the
 * gateway's stuck-task sweep does not send such a task again either.
 * The record goes back in its job's trace, as the relay sent it: one trace shows the submission, the
 * first delivery, the re-drive and the task applied after it.
 */
@Service
public class DeadLetterRedrive {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRedrive.class);

    /** The observation of a re-drive's send, in its job's trace: a span, and a timer until the broker's acknowledgement. */
    static final String OBSERVATION = "bulk.dead.letters.redrive";

    private final DeadLetterStore store;

    private final KafkaTemplate<Object, Object> template;

    private final String taskTopic;

    private final Duration publishTimeout;

    private final Counter redriven;

    private final TransactionWaits waits;

    private final ObservationRegistry observations;

    private final JsonMapper json;

    DeadLetterRedrive(
            DeadLetterStore store,
            JsonMapper json,
            KafkaTemplate<Object, Object> template,
            WorkerProperties properties,
            MeterRegistry registry,
            TransactionWaits waits,
            ObjectProvider<ObservationRegistry> observations) {
        this.store = store;
        this.json = json;
        this.waits = waits;
        this.observations = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
        this.template = template;
        this.taskTopic = properties.topics().tasks();
        this.publishTimeout = properties.publishTimeout();
        this.redriven = Counter.builder("bulk.dead.letters.redriven")
                .description("Dead letters an operator sent back to the task topic")
                .register(registry);
    }

    /** The name of the dead-letter list's cursors. */
    static final String LIST = "dead-letters";

    /**
     * A page of the dead letters, newest first, without their values (see {@link
     * StoredDeadLetter#value()}): those re-driven or not when {@code redriven} says which, those
     * dismissed or not when {@code dismissed} says which, all when both are null.
     */
    @Transactional(readOnly = true)
    public Page<StoredDeadLetter> page(Boolean redriven, Boolean dismissed, PageRequest paging) {
        Instant afterRecordedAt = null;
        UUID afterId = null;
        if (paging.after() != null) {
            afterRecordedAt = paging.after().micros(0);
            afterId = paging.after().uuid(1);
        }
        List<StoredDeadLetter> fetched = store.page(redriven, dismissed, afterRecordedAt, afterId, paging.fetchSize());
        return paging.page(fetched, deadLetter -> Cursor.ofTime(LIST, deadLetter.recordedAt(), deadLetter.id()));
    }

    /**
     * Sends the dead letter's record back to the task topic, unless it was re-driven or dismissed
     * before. The row stays locked until the broker acknowledged the record and the re-drive is
     * recorded, so two operators cannot re-drive it twice, nor one dismiss it while another re-drives it.
     */
    @Transactional
    public Outcome redrive(UUID id, String operator, String reason) {
        StoredDeadLetter deadLetter = store.lock(id).orElse(null);
        if (deadLetter == null) {
            return new Outcome(Result.UNKNOWN, null);
        }
        if (deadLetter.redrivenAt() != null) {
            return new Outcome(Result.ALREADY_REDRIVEN, deadLetter);
        }
        if (deadLetter.dismissedAt() != null) {
            return new Outcome(Result.ALREADY_DISMISSED, deadLetter);
        }
        if (deadLetter.value() == null) {
            return new Outcome(Result.NO_VALUE, deadLetter);
        }
        // A dead letter recorded before unreadable records were stored with their task names it in its value.
        UUID taskId = deadLetter.taskId() != null
                ? deadLetter.taskId()
                : DeadLetters.taskIdIn(deadLetter.value(), json).orElse(null);
        DeadLetterStore.NamedTask task =
                taskId == null ? null : store.task(taskId).orElse(null);
        if (task != null && !task.pending() && !task.succeeded()) {
            // The worker applies a task only while it is pending: the record would change nothing (the
            // dead-lettering itself may have failed it, INVALID_TASK), and the change would be lost unseen.
            return new Outcome(Result.TASK_ENDED, deadLetter, task);
        }
        if (task != null && task.pending() && task.laterApplied() != null) {
            // The gateway's stuck-task sweep and resend-pending-tasks.sql leave such a task pending: applied
            // now, it would come after a later change of its account (an invitation after the later removal
            // of the same user, who would have access again).
            return new Outcome(Result.LATER_TASK_APPLIED, deadLetter, task);
        }
        String traceParent =
                taskId == null ? null : store.jobTraceParent(taskId).orElse(null);
        waits.allow(publishTimeout);
        try {
            send(new ProducerRecord<>(taskTopic, deadLetter.key(), deadLetter.value()), id, traceParent)
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException ex) {
            throw new KafkaException("The broker did not acknowledge the re-driven record", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while re-driving", ex);
        }
        store.markRedriven(id, operator, reason);
        redriven.increment();
        log.info(
                "Dead letter {} (task {}, from {}-{}@{}) re-driven to {} by {}: {}",
                id,
                deadLetter.taskId(),
                deadLetter.sourceTopic(),
                deadLetter.sourcePartition(),
                deadLetter.sourceOffset(),
                taskTopic,
                operator,
                oneLine(reason));
        return new Outcome(Result.REDRIVEN, store.lock(id).orElseThrow());
    }

    /**
     * Closes the dead letter without sending anything, unless it was re-driven: recorded with who
     * dismissed it, when and why. A dead letter dismissed already stays as it was dismissed first.
     */
    @Transactional
    public Outcome dismiss(UUID id, String operator, String reason) {
        StoredDeadLetter deadLetter = store.lockListed(id).orElse(null);
        if (deadLetter == null) {
            return new Outcome(Result.UNKNOWN, null);
        }
        if (deadLetter.redrivenAt() != null) {
            return new Outcome(Result.ALREADY_REDRIVEN, deadLetter);
        }
        if (deadLetter.dismissedAt() != null) {
            return new Outcome(Result.DISMISSED, deadLetter);
        }
        store.markDismissed(id, operator, reason);
        log.info(
                "Dead letter {} (task {}, from {}-{}@{}) dismissed by {}: {}",
                id,
                deadLetter.taskId(),
                deadLetter.sourceTopic(),
                deadLetter.sourcePartition(),
                deadLetter.sourceOffset(),
                operator,
                oneLine(reason));
        return new Outcome(Result.DISMISSED, store.lockListed(id).orElseThrow());
    }

    /**
     * Sends the record in the trace of {@code traceParent}, the job's, observed as
     * {@value #OBSERVATION}: that observation's span is of the job's trace, not of the operator's request,
     * which is current here, and the template's observation, opened inside it, writes the record's
     * {@code traceparent} header in it, so that the worker's spans after it are of the job's trace too.
     * With none (a record naming no task, a task retention deleted, a job not traced), the re-drive is in
     * the request's trace.
     */
    private CompletableFuture<?> send(ProducerRecord<Object, Object> record, UUID id, String traceParent) {
        try (Scope trace = TraceContexts.continueFrom(traceParent)) {
            Observation redrive = Observation.createNotStarted(OBSERVATION, observations)
                    .contextualName("dead letter redrive")
                    .highCardinalityKeyValue("bulk.dead_letter.id", id.toString());
            if (traceParent != null) {
                // Not a child of the request's observation: its span's parent is then the job's trace
                // context, current now.
                redrive.parentObservation(null);
            }
            redrive.start();
            try (Observation.Scope scope = redrive.openScope()) {
                return template.send(record).whenComplete((sent, failure) -> {
                    if (failure != null) {
                        redrive.error(failure);
                    }
                    redrive.stop();
                });
            } catch (RuntimeException ex) {
                redrive.error(ex);
                redrive.stop();
                throw ex;
            }
        }
    }

    /** What a re-drive or a dismissal did. */
    public enum Result {
        REDRIVEN,
        /**
         * Refused: the dead letter's task ended otherwise than applied (failed, skipped, cancelled), so
         * its record would change nothing.
         */
        TASK_ENDED,
        /**
         * Refused: the dead letter's task is pending, but a later task of its account was applied
         * already ({@link DeadLetterStore.NamedTask#laterApplied()}).
         */
        LATER_TASK_APPLIED,
        ALREADY_REDRIVEN,
        /** Refused: an operator dismissed it. */
        ALREADY_DISMISSED,
        /** Dismissed, now or before. */
        DISMISSED,
        UNKNOWN,
        NO_VALUE
    }

    /**
     * @param result what happened
     * @param deadLetter the dead letter as it is now; null when unknown
     * @param task the task it names, as stored, when a re-drive was refused for it; null otherwise
     */
    public record Outcome(Result result, StoredDeadLetter deadLetter, DeadLetterStore.NamedTask task) {

        Outcome(Result result, StoredDeadLetter deadLetter) {
            this(result, deadLetter, null);
        }
    }

    /**
     * The reason as one line of the log: each carriage return and line feed written as {@code \r} and
     * {@code \n}, and so a backslash as two: the lines that record who re-drove or dismissed what are
     * to hold no line an operator's text made up. The reason is stored and answered as it was sent.
     */
    private static String oneLine(String reason) {
        return reason.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }
}
