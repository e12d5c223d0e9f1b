package com.portfoliobulk.servicesupport.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * {@code kafka}, in the readiness group of the services that consume (the worker, the audit-consumer):
 * DOWN once the broker has not answered for {@code downAfter}, UP again at its first answer. While the
 * broker cannot be reached, their listener containers keep running, polling and retrying, so the listener
 * indicators stay UP while nothing is applied or written. The gateway has none: it takes jobs into its
 * outbox while the broker is down, so it stays ready.
 *
 * <p>Every {@link #LOOKUP_INTERVAL}, from the service's start on, an admin client with the service's own
 * Kafka settings ({@code spring.kafka.*}: brokers, security) asks the cluster for its brokers
 * ({@code describeCluster}), waiting at most {@link #LOOKUP_TIMEOUT} for the answer. A health check never
 * waits for it: it answers the last lookups' outcome at once, so a broker that does not answer never
 * holds a probe. One failed lookup (a lost packet, a pause of the process) changes nothing: readiness goes
 * DOWN only when the failed lookups since the last answer span {@code downAfter}, at least two of them.
 */
public final class KafkaHealthIndicator implements HealthIndicator, SmartLifecycle, AutoCloseable {

    /** How often the broker is asked. */
    public static final Duration LOOKUP_INTERVAL = Duration.ofSeconds(2);

    /** The longest a lookup waits for the broker's answer. */
    public static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(1);

    /** The shortest {@code downAfter}. */
    public static final Duration SHORTEST_DOWN_AFTER = Duration.ofSeconds(1);

    /** The longest {@code downAfter}. */
    public static final Duration LONGEST_DOWN_AFTER = Duration.ofHours(1);

    /** {@link #failingSince}'s value while the broker answers. */
    private static final long ANSWERING = Long.MAX_VALUE;

    private static final Logger log = LoggerFactory.getLogger(KafkaHealthIndicator.class);

    private final Callable<Integer> lookup;

    private final Runnable closeClient;

    private final Duration downAfter;

    private final LongSupplier nanoTime;

    private ScheduledExecutorService lookups;

    /** When the first lookup that failed since the broker last answered began; guarded by {@code this}. */
    private long failingSince = ANSWERING;

    /** When the last lookup that failed began; guarded by {@code this}. */
    private long lastFailed;

    /** Why the last lookup failed; guarded by {@code this}. */
    private String error;

    /** The brokers of the last answer; guarded by {@code this}. */
    private int brokers;

    /** Whether the health is DOWN; guarded by {@code this}. */
    private boolean down;

    /**
     * @param admin the service's {@code KafkaAdmin}, whose settings the lookups' client takes
     * @param downAfter how long the broker may leave every lookup unanswered before the health is DOWN
     *     (from {@link #SHORTEST_DOWN_AFTER} to {@link #LONGEST_DOWN_AFTER}, see {@link #checkDownAfter})
     */
    public KafkaHealthIndicator(KafkaAdmin admin, Duration downAfter) {
        this(admin.getConfigurationProperties(), downAfter);
    }

    /**
     * @param clientSettings the settings of the lookups' admin client (at least {@code bootstrap.servers})
     * @param downAfter as above
     */
    public KafkaHealthIndicator(Map<String, Object> clientSettings, Duration downAfter) {
        this(new Lookups(Map.copyOf(clientSettings)), downAfter);
    }

    private KafkaHealthIndicator(Lookups client, Duration downAfter) {
        this(client::brokers, client::close, downAfter, System::nanoTime);
    }

    KafkaHealthIndicator(Callable<Integer> lookup, Runnable closeClient, Duration downAfter, LongSupplier nanoTime) {
        this.lookup = lookup;
        this.closeClient = closeClient;
        this.downAfter = checkDownAfter(downAfter, "downAfter");
        this.nanoTime = nanoTime;
    }

    /**
     * {@code downAfter} when it lies from {@link #SHORTEST_DOWN_AFTER} to {@link #LONGEST_DOWN_AFTER}.
     *
     * @param setting the setting's name, for the message
     * @throws IllegalArgumentException naming the setting otherwise
     */
    public static Duration checkDownAfter(Duration downAfter, String setting) {
        if (downAfter == null
                || downAfter.compareTo(SHORTEST_DOWN_AFTER) < 0
                || downAfter.compareTo(LONGEST_DOWN_AFTER) > 0) {
            throw new IllegalArgumentException(setting + " must be from " + SHORTEST_DOWN_AFTER.toSeconds() + "s to "
                    + LONGEST_DOWN_AFTER.toHours() + "h, not " + downAfter);
        }
        return downAfter;
    }

    @Override
    public synchronized Health health() {
        if (down) {
            return Health.down()
                    .withDetail("error", error)
                    .withDetail(
                            "unreachableForSeconds",
                            Duration.ofNanos(lastFailed - failingSince).toSeconds())
                    .build();
        }
        Health.Builder health = Health.up();
        if (brokers > 0) {
            health.withDetail("brokers", brokers);
        }
        if (failingSince != ANSWERING) {
            health.withDetail("error", error);
        }
        return health.build();
    }

    /** One lookup: asks the broker and notes its answer, or that it gave none. */
    void lookUp() {
        long started = nanoTime.getAsLong();
        int answered;
        try {
            answered = lookup.call();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception ex) {
            failed(started, ex);
            return;
        }
        answered(answered);
    }

    private synchronized void answered(int brokersAnswering) {
        if (down) {
            log.info("Kafka answers again: readiness no longer DOWN for it");
        }
        down = false;
        failingSince = ANSWERING;
        brokers = brokersAnswering;
    }

    private synchronized void failed(long started, Exception failure) {
        Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
        error = String.valueOf(NestedExceptionUtils.getMostSpecificCause(cause == null ? failure : cause));
        if (failingSince == ANSWERING) {
            failingSince = started;
        }
        lastFailed = started;
        if (!down && lastFailed - failingSince >= downAfter.toNanos()) {
            down = true;
            log.warn(
                    "Kafka has not answered for {} s ({}): readiness is DOWN until it answers",
                    Duration.ofNanos(lastFailed - failingSince).toSeconds(),
                    error);
        } else {
            log.debug("Kafka did not answer: {}", error);
        }
    }

    @Override
    public synchronized void start() {
        if (lookups == null) {
            lookups = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofVirtual().name("kafka-health").factory());
            lookups.scheduleAtFixedRate(this::lookUp, 0, LOOKUP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void stop() {
        if (lookups != null) {
            lookups.shutdownNow();
            lookups = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return lookups != null;
    }

    /** Stops the lookups and closes their client; with the application context. */
    @Override
    public void close() {
        stop();
        closeClient.run();
    }

    /** The lookups' admin client, made at the first lookup (its settings are then checked too). */
    private static final class Lookups {

        private final Map<String, Object> settings;

        private Admin admin;

        private boolean closed;

        Lookups(Map<String, Object> settings) {
            this.settings = settings;
        }

        /** The brokers answering, once the broker answered within {@link #LOOKUP_TIMEOUT}. */
        int brokers() throws InterruptedException, ExecutionException, TimeoutException {
            return admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) LOOKUP_TIMEOUT.toMillis()))
                    .nodes()
                    // The client ends the call after the timeout itself; this wait is only its bound here.
                    .get(LOOKUP_TIMEOUT.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS)
                    .size();
        }

        private synchronized Admin admin() {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (admin == null) {
                admin = Admin.create(settings);
            }
            return admin;
        }

        synchronized void close() {
            closed = true;
            if (admin != null) {
                admin.close(LOOKUP_TIMEOUT);
                admin = null;
            }
        }
    }
}
