package com.portfoliobulk.servicesupport.jdbc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Hands a listener's partitions to the other members of its consumer group while the database does not
 * answer this process. A process cut off from PostgreSQL but not from the broker stays in its group,
 * heartbeat after heartbeat, and the records of its partitions would wait for its network however long
 * that takes. Once every transaction since one that began {@code standbyAfter} ago has failed for an
 * outage ({@link DatabaseFailure#OUTAGE}), the listener container stops: its consumers leave the group
 * and the members that reach the database take its partitions over, with the records it had not
 * committed. Every {@link #PROBE_INTERVAL} it then asks the database for an answer, and starts the
 * container again once it gets one. When the database is down for every member, each stands aside and
 * each comes back with it.
 *
 * <p>The listener runs each of its transactions through {@link #observe}, which tells whether the
 * database answered. The gauge {@code bulk_database_standby}
 * (tag {@code listener}) is 1 while it stands aside, else 0.
 *
 * <p>Once its application context stops (a service shutting down), it starts the container no more: it
 * stops in the phase just before the listener containers', so a listener standing aside stays stopped
 * while the later phases wait (the web server's drain, the scheduler), also when the database answers
 * again then; it would otherwise join its group again, take partitions from the other members and
 * begin a batch only to be stopped at once. Closed with its application context.
 */
public final class DatabaseStandby implements SmartLifecycle, AutoCloseable {

    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    /** {@link #outageSince}'s value while the database answers. */
    private static final long ANSWERING = Long.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(DatabaseStandby.class);

    private final KafkaListenerEndpointRegistry listeners;

    private final String listenerId;

    private final JdbcClient jdbc;

    private final Duration standbyAfter;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("database-standby").factory());

    /** When the oldest transaction of the current run of outage failures began ({@link System#nanoTime()}). */
    private final AtomicLong outageSince = new AtomicLong(ANSWERING);

    /** Set while the listener stands aside (from the decision until it runs again); guarded by {@code this}. */
    private ScheduledFuture<?> probe;

    /**
     * Whether it may start the container: until its application context stops (from its creation, as
     * the listener may need it as soon as its container runs); guarded by {@code this}.
     */
    private boolean running = true;

    /**
     * @param listeners where the listener container is registered
     * @param listenerId the container's id ({@code @KafkaListener(id = ...)})
     * @param jdbc the connections the listener's transactions use, for the probe
     * @param standbyAfter how long the database may leave every transaction unanswered
     * @param meters where the gauge {@code bulk_database_standby} goes
     */
    public DatabaseStandby(
            KafkaListenerEndpointRegistry listeners,
            String listenerId,
            JdbcClient jdbc,
            Duration standbyAfter,
            MeterRegistry meters) {
        this.listeners = listeners;
        this.listenerId = listenerId;
        this.jdbc = jdbc;
        this.standbyAfter = standbyAfter;
        Gauge.builder("bulk.database.standby", this, standby -> standby.standingAside() ? 1 : 0)
                .description("1 while the listener stands aside because the database does not answer, else 0")
                .tag("listener", listenerId)
                .register(meters);
    }

    private synchronized boolean standingAside() {
        return probe != null;
    }

    /**
     * Runs one of the listener's transactions and notes whether the database answered: it did when the
     * transaction commits, it did not when it fails for an outage.
     *
     * @param transaction the transaction (with whatever retries surround it)
     * @param outage whether a failure means the database did not answer
     */
    public <T> T observe(Supplier<T> transaction, Predicate<Throwable> outage) {
        long started = System.nanoTime();
        T result;
        try {
            result = transaction.get();
        } catch (RuntimeException ex) {
            if (outage.test(ex)) {
                unreachable(started);
            }
            throw ex;
        }
        answered();
        return result;
    }

    /** A transaction committed: the database answers. */
    private void answered() {
        if (outageSince.get() != ANSWERING) {
            outageSince.set(ANSWERING);
        }
    }

    /** A transaction that began at {@code startedNanos} ({@link System#nanoTime()}) failed: the database did not answer. */
    private void unreachable(long startedNanos) {
        long since = outageSince.accumulateAndGet(startedNanos, Math::min);
        if (System.nanoTime() - since >= standbyAfter.toNanos()) {
            standAside();
        }
    }

    private synchronized void standAside() {
        if (probe != null || !running) {
            return;
        }
        log.warn(
                "The database has not answered for {} s: stopping the listener {}, so that the members of its group"
                        + " that reach the database take its partitions over; back once the database answers",
                standbyAfter.toSeconds(),
                listenerId);
        probe = executor.scheduleWithFixedDelay(this::probe, 0, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs on the executor until the listener runs again: stops it (first run), and starts it again
     * once the database answers. A failure is logged and the next run tries again.
     */
    private void probe() {
        try {
            MessageListenerContainer container = listeners.getListenerContainer(listenerId);
            if (container == null) {
                return;
            }
            if (container.isRunning()) {
                container.stop();
            }
            try {
                jdbc.sql("SELECT 1").query(Integer.class).single();
            } catch (RuntimeException ex) {
                log.debug("The database does not answer yet: {}", cause(ex));
                return;
            }
            synchronized (this) {
                if (!running) {
                    return;
                }
                outageSince.set(ANSWERING);
                container.start();
                log.info("The database answers again: the listener {} is back in its group", listenerId);
                probe.cancel(false);
                probe = null;
            }
        } catch (RuntimeException ex) {
            log.warn("Standing aside while the database does not answer: {}; trying again", cause(ex));
        }
    }

    private static String cause(Throwable failure) {
        return NestedExceptionUtils.getMostSpecificCause(failure).toString();
    }

    @Override
    public synchronized void start() {
        running = true;
        if (probe != null && probe.isCancelled()) {
            // Stopped while standing aside, started again: the containers start with their registry.
            probe = null;
        }
    }

    /**
     * The context stops: the container is not started again, whatever the database answers. A probe
     * that is starting it finishes first, and the container stops with its registry after this.
     */
    @Override
    public synchronized void stop() {
        running = false;
        if (probe != null) {
            probe.cancel(false);
            log.info("Stopping while the listener {} stands aside for the database: it stays stopped", listenerId);
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /** Just before the listener containers' registry, which stops after it. */
    @Override
    public int getPhase() {
        int containers = listeners.getPhase();
        return containers == Integer.MAX_VALUE ? containers : containers + 1;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
