package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.util.function.Predicate;

/**
 * Whether a failed transaction found the database unreachable: a {@link DatabaseFailure#OUTAGE}, or the
 * circuit breaker open because of earlier ones. Also Resilience4j's circuit breaker predicate
 * ({@code record-failure-predicate} in {@code bulk-worker.yml}): only an unreachable database opens the
 * breaker, never a bad task.
 */
public class DatabaseOutage implements Predicate<Throwable> {

    static boolean of(Throwable failure) {
        return failure instanceof CallNotPermittedException || DatabaseFailure.of(failure) == DatabaseFailure.OUTAGE;
    }

    @Override
    public boolean test(Throwable failure) {
        return of(failure);
    }
}
