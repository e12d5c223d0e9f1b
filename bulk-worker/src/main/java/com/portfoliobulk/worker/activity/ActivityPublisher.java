package com.portfoliobulk.worker.activity;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.servicesupport.tracing.TracedSends;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes one {@link AccountActivityEvent} per applied change, keyed by the account id. The event id
 * is the task id, so the same change published twice (after a redelivery) is one activity entry.
 */
@Component
public class ActivityPublisher {

    private final KafkaTemplate<Object, Object> template;

    private final ObservationRegistry observations;

    private final String topic;

    private final CustomRoleNames roleNames;

    ActivityPublisher(
            KafkaTemplate<Object, Object> template,
            WorkerProperties properties,
            ObjectProvider<ObservationRegistry> observations,
            CustomRoleNames roleNames) {
        this.template = template;
        this.roleNames = roleNames;
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
     * Sends the events without waiting for the broker, each in the trace of its task: each run of
     * events of one trace is one observation (a span of that trace), and its trace context goes into
     * the records' headers, so the audit-consumer's write joins the trace of the job's submission (see
     * {@link TracedSends}). Events are sent in their order, with the template's producer, and with the
     * names of the custom account roles they name ({@link CustomRoleNames}).
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
            for (List<AccountActivityEvent> run : TraceContexts.runs(named, traceParent)) {
                try (TracedSends<Object, Object>.Run traced =
                        sends.run(traceParent.apply(run.getFirst()), run.size())) {
                    for (AccountActivityEvent event : run) {
                        traced.send(event.accountId().toString(), event);
                    }
                }
            }
            return sends.acknowledged();
        });
    }
}
