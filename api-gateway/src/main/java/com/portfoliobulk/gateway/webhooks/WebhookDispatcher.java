package com.portfoliobulk.gateway.webhooks;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Delivers webhook messages at least once. A loop on a thread of its own fans out new job events,
 * claims due messages with a lease (so each is sent by one gateway at a time, and by another one
 * after a crash once the lease has passed) and sends each on a virtual thread of its own. At most
 * {@code max-concurrent-deliveries} are in flight, at most {@code max-concurrent-per-subscription}
 * per subscription and at most {@code max-concurrent-per-portfolio} to one portfolio's subscriptions:
 * a slow or hanging receiver holds only its own few slots, and a portfolio with many of them only a
 * share of the slots, so neither can delay the others. Each attempt's outcome is stored in one transaction with the message's next state: a 2xx
 * answer delivers it, a timeout, connection failure, 5xx or 429 schedules a retry with back-off (see
 * {@link RetrySchedule}) until the retry period ends, any other answer fails it at once. A
 * subscription whose deliveries all failed for {@code disable-after} is disabled.
 *
 * <p>Without a secret key it signs nothing and so sends nothing, but goes on with the rest: the trigger
 * writes an event for every job that ends whether or not a key is set, and an event not fanned out is
 * never removed, so the outbox and its backlog gauge would grow for as long as no gateway has a key, and
 * a key set months later would send months-old events. Fanned out, an event reaches the subscriptions
 * made under a key (none when there never was one), whose messages wait for a gateway with a key until
 * their retry period ends.
 */
@Component
@ConditionalOnBooleanProperty(name = "bulk.gateway.webhooks.dispatcher-enabled", matchIfMissing = true)
class WebhookDispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final long PROGRESS_CHECK_NANOS = Duration.ofSeconds(1).toNanos();

    private static final long HOUSEKEEPING_NANOS = Duration.ofMinutes(10).toNanos();

    /**
     * How long one pass may spend removing old rows: the removal runs on the thread that sends, so a
     * large backlog of them (after an upgrade, or a long outage) is removed a second at a time, pass
     * after pass, between the sends, instead of holding them up for minutes.
     */
    private static final long HOUSEKEEPING_BUDGET_NANOS = Duration.ofSeconds(1).toNanos();

    private long progressCheckedAt = System.nanoTime() - PROGRESS_CHECK_NANOS;

    private long housekeptAt = System.nanoTime();

    private long expiryCheckedAt = System.nanoTime();

    private final EventFanOut fanOut;

    private final Deliveries deliveries;

    private final SigningSecrets secrets;

    private final WebhookMetrics metrics;

    private final WebhookProperties properties;

    private final ReceiverAddresses addresses;

    private final TransactionTemplate transaction;

    private final RetrySchedule schedule;

    private final Semaphore slots;

    /** The gateway's clock: the system's, unless the context has a {@link Clock} (a test's, off by minutes). */
    private final Clock clock;

    private final InFlightCounts inFlight = new InFlightCounts();

    private volatile CountDownLatch stopping = new CountDownLatch(1);

    private volatile Thread thread;

    private volatile ExecutorService senders;

    private volatile WebhookSender sender;

    WebhookDispatcher(
            EventFanOut fanOut,
            Deliveries deliveries,
            SigningSecrets secrets,
            WebhookMetrics metrics,
            WebhookProperties properties,
            ReceiverAddresses addresses,
            PlatformTransactionManager transactions,
            ObjectProvider<Clock> clock) {
        this.fanOut = fanOut;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.metrics = metrics;
        this.properties = properties;
        this.addresses = addresses;
        this.transaction = new TransactionTemplate(transactions);
        this.schedule = new RetrySchedule(properties.initialBackoff(), properties.maxBackoff(), new SecureRandom());
        this.slots = new Semaphore(properties.maxConcurrentDeliveries());
        this.clock = clock.getIfAvailable(Clock::systemUTC);
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        stopping = new CountDownLatch(1);
        if (secrets.configured()) {
            sender = new WebhookSender(properties, addresses, clock);
            senders = Executors.newThreadPerTaskExecutor(
                    Thread.ofVirtual().name("webhook-sender-", 0).factory());
        } else {
            log.warn("Webhooks are not delivered: bulk.gateway.webhooks.secret-key is not set");
        }
        thread = Thread.ofVirtual().name("webhook-dispatcher").start(this::run);
    }

    @Override
    public synchronized void stop() {
        Thread running = thread;
        if (running == null) {
            return;
        }
        stopping.countDown();
        try {
            if (!running.join(STOP_TIMEOUT)) {
                log.warn("The webhook dispatcher did not stop within {}", STOP_TIMEOUT);
            }
            if (senders != null) {
                senders.shutdown();
                if (!senders.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    // Messages still being sent keep their lease; another instance sends them once it passes.
                    senders.shutdownNow();
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            if (sender != null) {
                sender.close();
            }
            thread = null;
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    private void run() {
        Duration backoff = properties.pollInterval();
        boolean failing = false;
        while (stopping.getCount() > 0) {
            try {
                int events = fanOut.fanOutNextBatch();
                if (progressDue()) {
                    fanOut.queueProgress();
                }
                // Without a key nothing can be signed: events are fanned out and old rows removed all the same.
                int claimed = sender == null ? 0 : claimAndSend();
                if (failing) {
                    log.info("Webhook dispatcher recovered");
                    failing = false;
                }
                backoff = properties.pollInterval();
                if (expiryDue()) {
                    deliveries.failExpired(properties.lease());
                }
                if (events < properties.batchSize() && claimed == 0) {
                    await(properties.pollInterval());
                }
                if (housekeepingDue()) {
                    long until = System.nanoTime() + HOUSEKEEPING_BUDGET_NANOS;
                    if (!deliveries.removeOld(() -> stopping.getCount() > 0 && System.nanoTime() < until)) {
                        // More is left: the next pass goes on with it.
                        housekeptAt = System.nanoTime() - HOUSEKEEPING_NANOS;
                    }
                }
            } catch (RuntimeException ex) {
                if (!failing) {
                    log.warn("Webhook dispatcher pass failed; retrying with back-off", ex);
                    failing = true;
                }
                await(backoff);
                // Not the messages' back-off (up to an hour): the next pass after an outage delivers them all.
                backoff = backoff.multipliedBy(2).compareTo(properties.passMaxBackoff()) > 0
                        ? properties.passMaxBackoff()
                        : backoff.multipliedBy(2);
            }
        }
    }

    /** Progress is looked at once a second at most: intervals are whole seconds. */
    private boolean progressDue() {
        long now = System.nanoTime();
        if (now - progressCheckedAt < PROGRESS_CHECK_NANOS) {
            return false;
        }
        progressCheckedAt = now;
        return true;
    }

    /**
     * Expired messages are failed once per poll interval at most, whether the passes are idle or not:
     * under steady traffic a pass may never be idle, and the expired messages would stay pending.
     */
    private boolean expiryDue() {
        long now = System.nanoTime();
        if (now - expiryCheckedAt < properties.pollInterval().toNanos()) {
            return false;
        }
        expiryCheckedAt = now;
        return true;
    }

    private boolean housekeepingDue() {
        long now = System.nanoTime();
        if (now - housekeptAt < HOUSEKEEPING_NANOS) {
            return false;
        }
        housekeptAt = now;
        return true;
    }

    /** Claims as many due messages as there are free slots and starts sending them; answers how many. */
    private int claimAndSend() {
        int free = Math.min(slots.availablePermits(), properties.batchSize());
        if (free == 0) {
            return 0;
        }
        // Counts only fall while this runs (senders end), so a subscription is never given more than its share.
        Map<UUID, Integer> sending = inFlight.snapshot();
        List<Deliveries.Claimed> claimed = deliveries.claimDue(
                free,
                properties.maxConcurrentPerSubscription(),
                properties.maxConcurrentPerPortfolio(),
                sending,
                properties.lease());
        for (Deliveries.Claimed message : claimed) {
            slots.acquireUninterruptibly();
            inFlight.add(message.subscriptionId());
            senders.execute(() -> {
                try {
                    deliver(message);
                } catch (RuntimeException ex) {
                    // The lease runs out and the message is tried again.
                    log.warn("Could not record the delivery attempt of message {}", message.id(), ex);
                } finally {
                    inFlight.remove(message.subscriptionId());
                    slots.release();
                }
            });
        }
        return claimed.size();
    }

    private void deliver(Deliveries.Claimed message) {
        long startedAt = System.nanoTime();
        AttemptResult result = attempt(message);
        if (stopping.getCount() == 0 && !result.succeeded() && result.responseCode() == null) {
            // Cut short by shutdown: not the receiver's fault. Keep the lease; it is sent again later.
            return;
        }
        transaction.executeWithoutResult(status -> record(message, startedAt, result));
    }

    private AttemptResult attempt(Deliveries.Claimed message) {
        List<String> signing =
                new ArrayList<>(1 + message.previousSecretCiphertexts().size());
        try {
            signing.add(secrets.decrypt(message.secretCiphertext()));
        } catch (IllegalStateException ex) {
            // This gateway's secret key does not open the secret: its key differs from the one that sealed
            // it (a gateway deployed with another key, or the key changed and the secret not rotated yet).
            // Retried like a failed attempt; another gateway, or the rotated secret, may sign it.
            return AttemptResult.unsigned(ex.getMessage());
        }
        for (String previous : message.previousSecretCiphertexts()) {
            try {
                signing.add(secrets.decrypt(previous));
            } catch (IllegalStateException ex) {
                // Sealed under a secret key since changed: the newer secrets sign without it.
            }
        }
        return sender.send(message.url(), messageId(message.id()), signing, message.payload(), message::databaseNow);
    }

    /**
     * Stores the attempt begun at {@code startedAt} ({@link System#nanoTime()}) and schedules the next
     * one, by the database's clock: the due checks compare {@code next_attempt_at} and
     * {@code give_up_at} with it, so a gateway whose own clock runs minutes behind the database's would
     * make every retry due at once (a failing receiver sent hours of retries within minutes), one ahead
     * would wait too long and give up before the retry period ends. The wait itself (back-off, or the
     * receiver's {@code Retry-After}) is the gateway's to choose; the attempt began the time since
     * {@code startedAt} before the database's time, so the history shows both by one clock.
     */
    private void record(Deliveries.Claimed message, long startedAt, AttemptResult result) {
        long recordedAt = System.nanoTime();
        Optional<Instant> databaseNow = deliveries.lockSubscription(message.subscriptionId());
        if (databaseNow.isEmpty()) {
            // Deleted while the message was being sent: its messages and their attempts went with it.
            return;
        }
        Instant now = databaseNow.get();
        Instant attemptedAt = now.minusNanos(recordedAt - startedAt);
        if (result.succeeded()) {
            deliveries.recordAttempt(message, attemptedAt, result, AttemptView.Outcome.SUCCEEDED, null);
            deliveries.clearFailing(message.subscriptionId());
            metrics.attempt("succeeded", result.duration());
            if (message.redeliveries() == 0) {
                // A redelivery is asked for by someone, maybe days later: not how late the gateways are.
                metrics.delivered(Duration.between(message.createdAt(), now));
            }
            return;
        }
        int attempts = message.attemptsSinceRedelivery() + 1;
        Optional<Instant> next = schedule.next(now, attempts, result, message.giveUpAt());
        deliveries.recordAttempt(
                message,
                attemptedAt,
                result,
                next.isPresent() ? AttemptView.Outcome.WILL_RETRY : AttemptView.Outcome.FAILED,
                next.orElse(null));
        if (result.unsigned()) {
            log.warn(
                    "Webhook message {} not sent: {} (bulk.gateway.webhooks.secret-key)",
                    messageId(message.id()),
                    result.error());
            return;
        }
        metrics.attempt(next.isPresent() ? "retried" : "failed", result.duration());
        if (deliveries.recordFailing(message.subscriptionId(), properties.disableAfter(), streakGap())) {
            metrics.subscriptionDisabled();
            log.warn(
                    "Webhook subscription {} disabled: its deliveries failed for {}",
                    message.subscriptionId(),
                    properties.disableAfter());
        }
    }

    /**
     * The longest time without a failed attempt within one failure streak: a failing message waits at
     * most the longest back-off between attempts, twice over for a slow pass, and a lease more when
     * the instance sending it stopped.
     */
    private Duration streakGap() {
        return properties.maxBackoff().multipliedBy(2).plus(properties.lease());
    }

    /** The {@code webhook-id} of a message: the same on every attempt. */
    static String messageId(UUID deliveryId) {
        return "msg_" + deliveryId.toString().replace("-", "");
    }

    private void await(Duration wait) {
        try {
            stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            stopping.countDown();
        }
    }
}
