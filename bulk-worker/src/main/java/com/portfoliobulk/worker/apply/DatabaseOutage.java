package com.portfoliobulk.worker.apply;

import java.util.function.Predicate;

/**
 * Resilience4j's circuit breaker predicate ({@code record-failure-predicate} in
 * {@code bulk-worker.yml}): only an unreachable database opens the breaker, never a bad task.
 */
public class DatabaseOutage implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable failure) {
        return DatabaseFailure.of(failure) == DatabaseFailure.OUTAGE;
    }
}
