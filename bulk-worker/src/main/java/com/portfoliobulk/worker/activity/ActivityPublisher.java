package com.portfoliobulk.worker.activity;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.servicesupport.tracing.TracedSends;
import com.portfoliobulk.worker.TransactionWaits;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes one {@link AccountActivityEvent} per change, keyed by the account id. The event id is fixed
 * by what it records: the task id for a task's change; for an expired invitation the account, user and
 * expiry; for an accepted one the account, user and job; for a link change the id stored when the
 * change was noted. So the same change published twice (after a redelivery or a retried pass) is one
 * activity entry.
 */
@Component
public class ActivityPublisher {

    private final KafkaTemplate<Object, Object> template;

    private final ObservationRegistry observations;

    private final String topic;

    private final CustomRoleNames roleNames;

    private final TransactionWaits waits;

    private final Duration publishTimeout;

    ActivityPublisher(
            KafkaTemplate<Object, Object> template,
            WorkerProperties properties,
            ObjectProvider<ObservationRegistry> observations,
            CustomRoleNames roleNames,
            TransactionWaits waits) {
        this.template = template;
        this.roleNames = roleNames;
        this.waits = waits;
        this.publishTimeout = properties.publishTimeout();
        this.observations = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
        this.topic = properties.topics().activity();
    }

    /**
     * Sends the events without waiting for the broker.
     *
     * @return completes when the broker has acknowledged all of them
     */
    public CompletableFuture<Void> publish(List<AccountActivityEvent> events) {
        return publish(events, event -> null);
    }

    /**
     * Sends the events and waits, inside the caller's transaction, until the broker has acknowledged
     * them ({@code bulk.worker.publish-timeout}), letting the transaction stand idle that long: for
     * work that must not commit before its entries are on their way to the log (a repeat after a
     * failed commit sends the same event ids, which the log records once).
     *
     * @param what what the events record, for the exception's message ("the link change")
     * @throws IllegalStateException when the broker did not acknowledge them in time
     */
    public void publishAndAwait(List<AccountActivityEvent> events, String what) {
        if (events.isEmpty()) {
            return;
        }
        waits.allow(publishTimeout);
        try {
            publish(events).get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while publishing the activity of " + what, ex);
        } catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("The activity of " + what + " could not be published", ex);
        }
    }

    /**
     * Sends the events without waiting for the broker, each in the trace of its task: each run of
     * events of one trace is one observation (a span of that trace), and its trace context goes into
     * the records' headers, so the audit-consumer's write joins the trace of the job's submission (see
     * {@link TracedSends}). Events are sent in their order, with the template's producer, and with the
     * names of the custom account roles they name ({@link CustomRoleNames}). Once a send has failed
     * the events after it are not sent: the returned future fails anyway, and a producer that gave up at
     * once on one (the topic missing, say) would wait {@code max.block.ms} again for each of them.
     *
     * @param traceParent the W3C trace context of an event's task, {@code null} when it has none
     * @return completes when the broker has acknowledged all of them
     */
    public CompletableFuture<Void> publish(
            List<AccountActivityEvent> events, Function<AccountActivityEvent, String> traceParent) {
        if (events.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<AccountActivityEvent> named = roleNames.named(events);
        return template.execute(producer -> {
            TracedSends<Object, Object> sends = new TracedSends<>(producer, observations, topic);
            sending:
            for (List<AccountActivityEvent> run : TraceContexts.runs(named, traceParent)) {
                try (TracedSends<Object, Object>.Run traced =
                        sends.run(traceParent.apply(run.getFirst()), run.size())) {
                    for (AccountActivityEvent event : run) {
                        traced.send(event.accountId().toString(), event);
                        if (sends.failed()) {
                            // The producer gave up at once (no metadata for the topic after max.block.ms, say):
                            // the rest would fail too, each after as long (ProducerGaveUp).
                            break sending;
                        }
                    }
                }
            }
            return sends.acknowledged();
        });
    }
}
