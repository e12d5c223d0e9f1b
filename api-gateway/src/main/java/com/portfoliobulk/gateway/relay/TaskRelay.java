package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.servicesupport.tracing.TracedSends;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the tasks waiting in the {@link Outbox} to the task topic, one batch per
 * {@link #publishNextBatch() pass}.
 *
 * <p>A pass runs in one transaction that holds a PostgreSQL advisory lock, so however many gateway
 * instances run, one relays at a time. It reads the next tasks with portfolios taking turns, each
 * portfolio's in submission order ({@link Outbox#next}), sends them all with the asynchronous
 * idempotent producer (keyed by account id), waits for the broker to acknowledge the whole batch, and
 * only then moves each job's position past its tasks in the batch, one statement for the batch. Each
 * pass starts where the previous one (of any instance) left off, so two jobs touching one account
 * reach its partition in submission order.
 *
 * <p>When any send fails, no position moves and the pass fails; the next pass sends the same batch
 * again. A crash between the acknowledgement and the commit also re-sends: the worker applies a task
 * once however often it receives it. Records of a failed pass that still reach the broker later, a
 * job that commits after a later one, or a lost record can put an account's tasks out of order on the
 * topic; the worker then defers a task while an earlier task of its account is pending, and queues it
 * to be sent again once that one ended, so it is sent again after it.
 */
@Component
public class TaskRelay {

    private static final Logger log = LoggerFactory.getLogger(TaskRelay.class);

    private final Outbox outbox;

    private final KafkaTemplate<String, BulkTaskMessage> kafka;

    private final RelayProperties properties;

    private final TransactionTemplate transaction;

    private final ObservationRegistry observations;

    private final Counter published;

    private final long lockKey;

    /** How long the tasks in flight may stay as many or more before the relay sends on regardless. */
    static final Duration STALL = Duration.ofSeconds(1);

    /**
     * How much longer than the broker's acknowledgement of a batch ({@code send-timeout}) a pass's
     * transaction may stand idle before PostgreSQL ends it, and with it the relay's lock.
     */
    static final Duration IDLE_SLACK = Duration.ofSeconds(30);

    /**
     * Since when ({@link System#nanoTime}) the window has been full without the tasks in flight
     * falling; null while it is not full.
     */
    private Long fullSince;

    /** The tasks in flight at the last pass that looked. */
    private long lastInFlight = Long.MAX_VALUE;

    TaskRelay(
            Outbox outbox,
            KafkaTemplate<String, BulkTaskMessage> kafka,
            RelayProperties properties,
            PlatformTransactionManager transactions,
            MeterRegistry registry,
            ObservationRegistry observations) {
        this.outbox = outbox;
        this.kafka = kafka;
        this.properties = properties;
        this.transaction = new TransactionTemplate(transactions);
        this.observations = observations;
        this.published = Counter.builder("bulk.relay.tasks.published")
                .description("Tasks published to the task topic and acknowledged by the broker")
                .register(registry);
        this.lockKey = ("bulk-task-relay:" + properties.topic()).hashCode();
    }

    /**
     * Publishes the next batch, if this instance gets the relay's lock.
     *
     * @throws RelayFailedException when the broker did not acknowledge the whole batch in time
     */
    public Pass publishNextBatch() {
        Pass pass = transaction.execute(status -> {
            if (!outbox.tryLock(lockKey, properties.sendTimeout().plus(IDLE_SLACK))) {
                return Pass.NOT_LEADER;
            }
            if (windowFull()) {
                return Pass.WINDOW_FULL;
            }
            List<OutboxTask> batch = outbox.next(properties.batchSize());
            if (batch.isEmpty()) {
                outbox.tidy();
                return Pass.NOTHING_TO_DO;
            }
            int sent = send(batch);
            outbox.markSent(batch);
            return new Pass(true, batch.size(), sent, batch.size() == properties.batchSize());
        });
        published.increment(pass.sent());
        return pass;
    }

    /**
     * Whether this pass waits for the workers: {@code max-in-flight} tasks or more are sent and not
     * ended, and their number fell within the last {@link #STALL} (the workers are getting through
     * them). When it has not fallen for that long, the relay sends one batch and waits again: the tasks
     * in flight may be waiting for tasks not sent yet (a task is deferred while an earlier task of its
     * account is pending), or the workers are down and the topic holds the tasks for them.
     */
    private synchronized boolean windowFull() {
        if (properties.maxInFlight() == 0) {
            return false;
        }
        long inFlight = outbox.inFlight();
        long now = System.nanoTime();
        boolean full = inFlight >= properties.maxInFlight();
        if (!full || inFlight < lastInFlight || fullSince == null) {
            fullSince = full ? now : null;
        }
        lastInFlight = inFlight;
        if (full && now - fullSince >= STALL.toNanos()) {
            // The batch this pass sends raises the count the next pass reads, which then never looks
            // like progress: the stall starts again, so a count that does not fall lets one batch through
            // a stall, not the rest of the backlog.
            fullSince = now;
            return false;
        }
        return full;
    }

    /** The key of the PostgreSQL advisory lock that one relay at a time holds. */
    long lockKey() {
        return lockKey;
    }

    private int send(List<OutboxTask> batch) {
        // Each job's tasks are sent in the trace of its submission, run by run in order, with the
        // template's producer: a run is one observation (a span of that trace) whose context goes into
        // every record's headers (TracedSends). The lines written meanwhile carry the job, its portfolio
        // and its trace, and a line about one task its id too.
        return kafka.execute(producer -> {
            TracedSends<String, BulkTaskMessage> sends = new TracedSends<>(producer, observations, properties.topic());
            int sent = 0;
            sending:
            for (List<OutboxTask> tasks :
                    TraceContexts.runs(batch, task -> task.message().jobId() + "/" + task.traceParent())) {
                List<OutboxTask> pending =
                        tasks.stream().filter(OutboxTask::pending).toList();
                try (LogContext job = RelayLogContext.ofJob(tasks.getFirst())) {
                    log.debug(
                            "Publishing {} task(s) of job {}",
                            tasks.size(),
                            tasks.getFirst().message().jobId());
                    if (pending.isEmpty()) {
                        continue;
                    }
                    try (TracedSends<String, BulkTaskMessage>.Run run =
                            sends.run(tasks.getFirst().traceParent(), pending.size())) {
                        for (OutboxTask task : pending) {
                            try {
                                run.send(task.key(), task.message());
                            } catch (RuntimeException ex) {
                                try (LogContext context = RelayLogContext.ofTask(task)) {
                                    log.warn("Could not hand task {} to the producer: {}", task.id(), ex.toString());
                                }
                                throw new RelayFailedException(
                                        "Could not hand task " + task.id() + " to the producer", ex);
                            }
                            sent++;
                            if (sends.failed()) {
                                // The producer gave up at once (e.g. no broker metadata): the rest would fail too.
                                break sending;
                            }
                        }
                    }
                }
            }
            awaitAcknowledgements(sends.acknowledged());
            return sent;
        });
    }

    private void awaitAcknowledgements(CompletableFuture<Void> acknowledged) {
        try {
            acknowledged.get(properties.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException ex) {
            throw new RelayFailedException("The broker did not accept the batch", ex.getCause());
        } catch (TimeoutException ex) {
            throw new RelayFailedException(
                    "The broker did not acknowledge the batch within " + properties.sendTimeout(), ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new RelayFailedException("Interrupted while waiting for the broker", ex);
        }
    }

    /**
     * What one pass did.
     *
     * @param leader whether this instance held the relay's lock
     * @param relayed the tasks the pass went past (sent, or ended before they were sent again)
     * @param sent the records sent and acknowledged
     * @param full whether the batch was full, so more are likely waiting
     */
    public record Pass(boolean leader, int relayed, int sent, boolean full) {

        static final Pass NOT_LEADER = new Pass(false, 0, 0, false);

        static final Pass NOTHING_TO_DO = new Pass(true, 0, 0, false);

        /** As many tasks as {@code max-in-flight} wait for the workers: the relay waits for its next poll. */
        static final Pass WINDOW_FULL = new Pass(true, 0, 0, false);
    }

    /** A batch the broker did not acknowledge; no position moved. */
    public static class RelayFailedException extends RuntimeException {

        RelayFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
