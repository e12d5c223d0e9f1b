package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import java.util.concurrent.TimeoutException;
import org.springframework.util.ClassUtils;

/**
 * Which dependency of a service a failed request found unavailable, if any: an error that is no
 * defect of the service, which a retry a little later may get past. {@link ServiceProblems} (the
 * bulk-worker, the audit-consumer) and the api-gateway's problem advice answer it 503 with {@code
 * Retry-After}, where it would otherwise be an unexpected error (a 500 that the runbook has operators
 * report as a defect): one rule for the three services.
 *
 * <ul>
 *   <li>The database: what {@link DatabaseFailure} takes for an outage (it cannot be reached), for a
 *       transient failure (a conflict or timeout that a retry resolves) or for a database out of
 *       resources (disk space, memory, a configured limit): also a transaction that could
 *       not begin for want of a connection ({@code CannotCreateTransactionException}), which is no
 *       {@code DataAccessException}.
 *   <li>The Kafka broker: an error its client retries itself until it gives up (a topic's metadata or
 *       a record's acknowledgement that did not come within {@code max.block.ms} or {@code
 *       delivery.timeout.ms}, no leader, too few in-sync replicas), or a send whose acknowledgement
 *       was waited for in vain (a Kafka exception caused by a {@link TimeoutException}). A record the
 *       broker refuses for good (too large, not authorized) stays an unexpected error.
 * </ul>
 *
 * Each library is optional here: a service without it has no such dependency.
 */
public final class Outages {

    private static final ClassLoader LOADER = Outages.class.getClassLoader();

    /** Whether {@link DatabaseFailure} can be asked: Spring's JDBC support and its transactions. */
    private static final boolean DATABASE =
            ClassUtils.isPresent("org.springframework.jdbc.CannotGetJdbcConnectionException", LOADER)
                    && ClassUtils.isPresent("org.springframework.transaction.TransactionException", LOADER);

    private static final Class<?> KAFKA_RETRIABLE = load("org.apache.kafka.common.errors.RetriableException");

    private static final Class<?> KAFKA = load("org.apache.kafka.common.KafkaException");

    private static final Class<?> SPRING_KAFKA = load("org.springframework.kafka.KafkaException");

    private Outages() {}

    /** The dependency {@code failure} found unavailable ("database", "message broker"); null when none. */
    public static String dependency(Throwable failure) {
        if (brokerUnavailable(failure)) {
            return "message broker";
        }
        if (DATABASE && DatabaseFailure.of(failure).passesByItself()) {
            return "database";
        }
        return null;
    }

    private static boolean brokerUnavailable(Throwable failure) {
        boolean kafka = false;
        boolean timedOut = false;
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (isA(KAFKA_RETRIABLE, cause)) {
                return true;
            }
            kafka |= isA(KAFKA, cause) || isA(SPRING_KAFKA, cause);
            timedOut |= cause instanceof TimeoutException;
        }
        return kafka && timedOut;
    }

    private static boolean isA(Class<?> type, Throwable cause) {
        return type != null && type.isInstance(cause);
    }

    private static Class<?> load(String name) {
        return ClassUtils.isPresent(name, LOADER) ? ClassUtils.resolveClassName(name, LOADER) : null;
    }
}
