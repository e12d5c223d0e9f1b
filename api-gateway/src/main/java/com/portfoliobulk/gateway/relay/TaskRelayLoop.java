package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.gateway.jobs.JobSubmitted;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Runs {@link TaskRelay} passes on a thread of its own: straight on while batches come back full,
 * otherwise after {@code idle-poll-interval} or as soon as a job is submitted here; after a failure
 * (broker or database unreachable) it backs off exponentially up to {@code max-backoff} and tries
 * again, so the backlog is published once the broker is back. Before its first pass, and after a failed
 * one, it asks whether the broker answers ({@link BrokerProbe}) and takes the relay's lock only once it
 * does: a gateway the broker does not answer leaves the relay to the others rather than holding the
 * lock for a pass that fails after the producer's timeouts, up to {@code send-timeout}, again and
 * again. Starts last and stops first. The thread
 * is a platform thread: a pass computes over a whole batch, and on the virtual-thread scheduler, which
 * does not preempt, it would hold a carrier that the gateway's requests wait for.
 */
@Component
@ConditionalOnBooleanProperty(name = "bulk.gateway.relay.enabled", matchIfMissing = true)
class TaskRelayLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TaskRelayLoop.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final TaskRelay relay;

    private final BrokerProbe broker;

    private final RelayProperties properties;

    private final Semaphore wakeUps = new Semaphore(0);

    private volatile CountDownLatch stopping = new CountDownLatch(1);

    private volatile Thread thread;

    TaskRelayLoop(TaskRelay relay, BrokerProbe broker, RelayProperties properties) {
        this.relay = relay;
        this.broker = broker;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        if (thread == null) {
            stopping = new CountDownLatch(1);
            thread = Thread.ofPlatform().daemon().name("task-relay").start(this::run);
        }
    }

    @Override
    public synchronized void stop() {
        Thread running = thread;
        if (running == null) {
            return;
        }
        stopping.countDown();
        wakeUps.release();
        try {
            if (!running.join(STOP_TIMEOUT)) {
                log.warn("The task relay did not stop within {}", STOP_TIMEOUT);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    /**
     * A job was committed here: publish it now rather than at the next poll. A job submitted within a
     * caller's transaction (the identity provider's deprovisioning) is committed with it, so the wake-up
     * waits for that commit; other submissions commit before they announce the job.
     */
    @TransactionalEventListener(fallbackExecution = true)
    void onJobSubmitted(JobSubmitted submitted) {
        wakeUps.release();
    }

    private void run() {
        Duration backoff = properties.initialBackoff();
        boolean failing = false;
        // Whether the broker has answered since this relay started or its last pass failed.
        boolean brokerAnswered = false;
        while (stopping.getCount() > 0) {
            if (!brokerAnswered && !(brokerAnswered = broker.answers())) {
                if (!failing) {
                    log.warn(
                            "The broker does not answer this gateway within {}: the task relay is left to the"
                                    + " gateways it answers; asking again with back-off up to {}",
                            BrokerProbe.TIMEOUT,
                            properties.maxBackoff());
                    failing = true;
                }
                await(backoff);
                backoff = min(backoff.multipliedBy(2), properties.maxBackoff());
                continue;
            }
            try {
                TaskRelay.Pass pass = relay.publishNextBatch();
                if (failing) {
                    log.info("Task relay recovered");
                    failing = false;
                }
                backoff = properties.initialBackoff();
                if (!pass.full()) {
                    idle();
                }
            } catch (RuntimeException ex) {
                brokerAnswered = false;
                if (!failing) {
                    log.warn("Task relay pass failed; retrying with back-off up to {}", properties.maxBackoff(), ex);
                    failing = true;
                } else {
                    log.debug("Task relay pass failed again: {}", ex.toString());
                }
                await(backoff);
                backoff = min(backoff.multipliedBy(2), properties.maxBackoff());
            }
        }
    }

    private void idle() {
        try {
            wakeUps.tryAcquire(properties.idlePollInterval().toMillis(), TimeUnit.MILLISECONDS);
            wakeUps.drainPermits();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            stopping.countDown();
        }
    }

    private void await(Duration backoff) {
        try {
            stopping.await(backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            stopping.countDown();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
