package com.portfoliobulk.gateway.webhooks;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The job events a subscription can receive. Every job that ends produces exactly one of the first
 * three: {@code job.completed} (status {@code COMPLETED}), {@code job.failed} (status
 * {@code COMPLETED_WITH_ERRORS}: at least one task failed) or {@code job.cancelled}.
 */
enum EventType {
    JOB_COMPLETED("job.completed"),
    JOB_FAILED("job.failed"),
    JOB_CANCELLED("job.cancelled"),
    /** While a job runs, at most once per subscription's progress interval. */
    JOB_PROGRESS("job.progress");

    static final String NAMES = Arrays.stream(values()).map(EventType::wireName).collect(Collectors.joining(", "));

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
