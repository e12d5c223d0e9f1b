package com.portfoliobulk.gateway.webhooks;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The job events a subscription can receive. Every job that ends produces exactly one of the first
 * three: {@code job.completed} (status {@code COMPLETED}), {@code job.failed} (status
 * {@code COMPLETED_WITH_ERRORS}: at least one task failed) or {@code job.cancelled}.
 */
public enum EventType {
    JOB_COMPLETED("job.completed"),
    JOB_FAILED("job.failed"),
    JOB_CANCELLED("job.cancelled"),
    /** While a job runs, at most once per subscription's progress interval. */
    JOB_PROGRESS("job.progress");

    /** Every event's name as the API writes it, in declaration order (the console offers them). */
    public static final List<String> WIRE_NAMES =
            Arrays.stream(values()).map(EventType::wireName).toList();

    static final String NAMES = String.join(", ", WIRE_NAMES);

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    String wireName() {
        return wireName;
    }

    static Optional<EventType> of(String wireName) {
        return Arrays.stream(values())
                .filter(type -> type.wireName.equals(wireName))
                .findFirst();
    }

    static EventType ofStored(String wireName) {
        return of(wireName).orElseThrow(() -> new IllegalStateException("Unknown event type " + wireName));
    }
}
