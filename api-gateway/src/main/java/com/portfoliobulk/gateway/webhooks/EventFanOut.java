package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.jobs.JobStatusViews;
import com.portfoliobulk.gateway.jobs.JobView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns job events of the outbox into one message per active subscription that receives them, in one
 * transaction per batch: the events are locked ({@code SKIP LOCKED}, so several gateways share the
 * work), their messages inserted (once per event and subscription, whatever happens, under an id made
 * of the two: {@link #messageId}), and the events marked fanned out. The message body is rendered here, once, and sent unchanged on every attempt:
 * {@code {"type", "timestamp", "data"}} where {@code data} is the job exactly as its status endpoint
 * shows it (the job has ended, so it no longer changes).
 */
@Component
class EventFanOut {

    private final Deliveries deliveries;

    private final JobStatusViews jobs;

    private final JsonMapper json;

    private final TransactionTemplate transaction;

    private final Duration retryPeriod;

    private final int batchSize;

    EventFanOut(
            Deliveries deliveries,
            JobStatusViews jobs,
            JsonMapper json,
            PlatformTransactionManager transactions,
            WebhookProperties properties) {
        this.deliveries = deliveries;
        this.jobs = jobs;
        this.json = json;
        this.transaction = new TransactionTemplate(transactions);
        this.retryPeriod = properties.retryPeriod();
        this.batchSize = properties.batchSize();
    }

    /** Fans out the next batch of events; answers how many events it took. */
    int fanOutNextBatch() {
        Integer done = transaction.execute(status -> {
            List<Deliveries.Event> events = deliveries.lockUnfannedEvents(batchSize);
            if (events.isEmpty()) {
                return 0;
            }
            List<Deliveries.Target> targets = deliveries.activeSubscriptions(events.stream()
                    .map(Deliveries.Event::portfolioId)
                    .distinct()
                    .toList());
            List<Deliveries.NewMessage> messages = new ArrayList<>();
            if (!targets.isEmpty()) {
                Map<UUID, JobView> views = jobs.find(
                        events.stream().map(Deliveries.Event::jobId).distinct().toList());
                for (Deliveries.Event event : events) {
                    JobView job = views.get(event.jobId());
                    if (job == null) {
                        continue;
                    }
                    String payload = null;
                    for (Deliveries.Target target : targets) {
                        if (target.portfolioId().equals(event.portfolioId()) && target.receives(event.type())) {
                            if (payload == null) {
                                payload = json.writeValueAsString(
                                        new Envelope(event.type().wireName(), event.occurredAt(), job));
                            }
                            messages.add(new Deliveries.NewMessage(
                                    messageId(event.id(), target.id()),
                                    target.id(),
                                    event.id(),
                                    event.type(),
                                    event.jobId(),
                                    payload));
                        }
                    }
                }
            }
            deliveries.insertMessages(messages, retryPeriod);
            deliveries.markFannedOut(events.stream().map(Deliveries.Event::id).toList());
            return events.size();
        });
        return done == null ? 0 : done;
    }

    /**
     * Queues progress messages of running jobs for the subscriptions to {@code job.progress} that are
     * due one; answers how many. A progress message carries the job as it was when queued, dated by
     * the database's time of this transaction: the time its message is created at, by the clock that
     * dates the job and its end event (the gateway's may be seconds off, and dated a progress message
     * after the job's end). It may arrive after the job's end message, so receivers go by {@code
     * data.status}.
     */
    int queueProgress() {
        Integer done = transaction.execute(status -> {
            if (!deliveries.takeProgressTurn()) {
                return 0;
            }
            List<Deliveries.ProgressDue> due = deliveries.dueProgress(batchSize);
            if (due.isEmpty()) {
                return 0;
            }
            Map<UUID, JobView> views = jobs.find(
                    due.stream().map(Deliveries.ProgressDue::jobId).distinct().toList());
            Instant now = deliveries.transactionTime();
            List<Deliveries.NewMessage> messages = new ArrayList<>();
            for (Deliveries.ProgressDue progress : due) {
                JobView job = views.get(progress.jobId());
                if (job != null) {
                    String payload = json.writeValueAsString(new Envelope(EventType.JOB_PROGRESS.wireName(), now, job));
                    UUID eventId = UUID.randomUUID();
                    messages.add(new Deliveries.NewMessage(
                            messageId(eventId, progress.subscriptionId()),
                            progress.subscriptionId(),
                            eventId,
                            EventType.JOB_PROGRESS,
                            progress.jobId(),
                            payload));
                }
            }
            deliveries.insertMessages(messages, retryPeriod);
            deliveries.markProgressSent(due);
            return messages.size();
        });
        return done == null ? 0 : done;
    }

    /**
     * The id of the message of this event to this subscription, its {@code webhook-id}: a name-based UUID
     * of the two ids, so that the event fanned out again (a database restored to a moment before its
     * fan-out still holds it unfanned, without its messages) gives the receiver the same {@code
     * webhook-id} as before, and the receiver's deduplication drops it. A random id made it a new message.
     * A progress message is a new event each time (the job as it is when queued), so its id is new too.
     */
    static UUID messageId(UUID eventId, UUID subscriptionId) {
        ByteBuffer name = ByteBuffer.allocate(32);
        name.putLong(eventId.getMostSignificantBits()).putLong(eventId.getLeastSignificantBits());
        name.putLong(subscriptionId.getMostSignificantBits()).putLong(subscriptionId.getLeastSignificantBits());
        return UUID.nameUUIDFromBytes(name.array());
    }

    /**
     * A message's body, as the Standard Webhooks specification recommends.
     *
     * @param type the event type
     * @param timestamp when the event happened
     * @param data the job as its status endpoint shows it
     */
    record Envelope(String type, Instant timestamp, JobView data) {}
}
