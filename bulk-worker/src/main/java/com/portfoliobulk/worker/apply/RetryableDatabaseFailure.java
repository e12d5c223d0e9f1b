package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.util.function.Predicate;

/**
 * Resilience4j's retry predicate for database transactions ({@code retry-exception-predicate} in
 * {@code bulk-worker.yml}): conflicts and lost connections are worth a quick second try; an open
 * circuit breaker is not.
 */
public class RetryableDatabaseFailure implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable failure) {
        return !(failure instanceof CallNotPermittedException)
                && DatabaseFailure.of(failure).passesByItself();
    }
}
