package com.portfoliobulk.worker.activity;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import com.portfoliobulk.worker.WorkerProperties;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes one {@link AccountActivityEvent} per applied change, keyed by the account id. The event id
 * is the task id, so the same change published twice (after a redelivery) is one activity entry.
 */
@Component
public class ActivityPublisher {

    private final KafkaTemplate<Object, Object> template;

    private final String topic;

    ActivityPublisher(KafkaTemplate<Object, Object> template, WorkerProperties properties) {
        this.template = template;
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
     * Sends the events without waiting for the broker, each in the trace of its task: the producer's
     * observation puts that trace context into the record's headers, so the audit-consumer's write
     * joins the trace of the job's submission. Events are sent in their order.
     *
     * @param traceParent the W3C trace context of an event's task, {@code null} when it has none
     * @return completes when the broker has acknowledged all of them
     */
    public CompletableFuture<Void> publish(
            List<AccountActivityEvent> events, Function<AccountActivityEvent, String> traceParent) {
        List<CompletableFuture<?>> sends = new ArrayList<>(events.size());
        for (List<AccountActivityEvent> run : TraceContexts.runs(events, traceParent)) {
            try (Scope trace = TraceContexts.continueFrom(traceParent.apply(run.getFirst()))) {
                for (AccountActivityEvent event : run) {
                    sends.add(template.send(topic, event.accountId().toString(), event));
                }
            }
        }
        return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
    }
}
