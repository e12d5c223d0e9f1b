package com.portfoliobulk.worker.apply;

import com.portfoliobulk.worker.WorkerProperties;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * Hands the worker's partitions to the others while its database does not answer. A worker cut off
 * from PostgreSQL but not from the broker stays in its group, heartbeat after heartbeat, and the tasks
 * of its partitions would wait for its network however long that takes. Once every transaction since
 * one that began {@code bulk.worker.standby-after} ago has failed for an outage, the task listener
 * stops: its consumers leave the group and the workers that reach the database take its partitions
 * over, with the records it had not committed. Every {@link #PROBE_INTERVAL} it then asks the database
 * for an answer, and starts the listener again once it gets one. When the database is down for every
 * worker, each stands aside and each comes back with it.
 */
@Component
class DatabaseStandby {

    static final Duration PROBE_INTERVAL = Duration.ofSeconds(2);

    /** {@link #outageSince}'s value while the database answers. */
    private static final long ANSWERING = Long.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(DatabaseStandby.class);

    private final KafkaListenerEndpointRegistry listeners;

    private final JdbcClient jdbc;

    private final Duration standbyAfter;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("database-standby").factory());

    /** When the oldest transaction of the current run of outage failures began ({@link System#nanoTime()}). */
    private final AtomicLong outageSince = new AtomicLong(ANSWERING);

    private ScheduledFuture<?> probe;

    DatabaseStandby(KafkaListenerEndpointRegistry listeners, JdbcClient jdbc, WorkerProperties properties) {
        this.listeners = listeners;
        this.jdbc = jdbc;
        this.standbyAfter = properties.standbyAfter();
    }

    /** A transaction committed: the database answers. */
    void answered() {
        if (outageSince.get() != ANSWERING) {
            outageSince.set(ANSWERING);
        }
    }

    /** A transaction that began at {@code startedNanos} ({@link System#nanoTime()}) failed: the database did not answer. */
    void unreachable(long startedNanos) {
        long since = outageSince.accumulateAndGet(startedNanos, Math::min);
        if (System.nanoTime() - since >= standbyAfter.toNanos()) {
            standAside();
        }
    }

    private synchronized void standAside() {
        if (probe != null) {
            return;
        }
        log.warn(
                "The database has not answered for {} s: stopping the task listener, so that workers that reach it"
                        + " take its partitions over; back once the database answers",
                standbyAfter.toSeconds());
        probe = executor.scheduleWithFixedDelay(this::probe, 0, PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs on the executor until the listener runs again: stops it (first run), and starts it again
     * once the database answers. A failure is logged and the next run tries again.
     */
    private void probe() {
        try {
            MessageListenerContainer container = listeners.getListenerContainer(TaskListener.ID);
            if (container == null) {
                return;
            }
            if (container.isRunning()) {
                container.stop();
            }
            try {
                jdbc.sql("SELECT 1").query(Integer.class).single();
            } catch (RuntimeException ex) {
                log.debug("The database does not answer yet: {}", ErrorText.of(ex));
                return;
            }
            outageSince.set(ANSWERING);
            container.start();
            log.info("The database answers again: the task listener is back in its group");
            synchronized (this) {
                probe.cancel(false);
                probe = null;
            }
        } catch (RuntimeException ex) {
            log.warn("Standing aside while the database does not answer: {}; trying again", ErrorText.of(ex));
        }
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
