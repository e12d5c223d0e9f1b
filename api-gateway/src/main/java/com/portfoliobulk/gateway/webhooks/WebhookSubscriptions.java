package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A portfolio's webhook subscriptions and their messages. */
@Service
class WebhookSubscriptions {

    static final int DEFAULT_PROGRESS_INTERVAL = 60;

    static final int MIN_PROGRESS_INTERVAL = 5;

    static final int MAX_PROGRESS_INTERVAL = 3600;

    /**
     * The most rotated-out secrets that sign beside the current one: a receiver may still hold any secret
     * rotated out within the overlap (a rotation repeated after its answer was lost), and each adds a
     * signature to every message.
     */
    static final int MAX_PREVIOUS_SECRETS = 4;

    /**
     * The most attempts a message's history shows, its newest: attempts are not capped (each redelivery
     * adds up to a day of retries, and a message is kept 30 days after its last one), and one answer
     * must not carry them all. Its {@code attempts} counts every one.
     */
    static final int MAX_HISTORY = 100;

    /** The name of the subscription list's cursors. */
    static final String SUBSCRIPTIONS = "webhook-subscriptions";

    /** The name of the message list's cursors. */
    static final String DELIVERIES = "webhook-deliveries";

    private final SubscriptionRepository repository;

    private final JdbcAggregateOperations aggregates;

    private final Subscriptions subscriptions;

    private final Deliveries deliveries;

    private final SigningSecrets secrets;

    private final ReceiverAddresses addresses;

    private final WebhookProperties properties;

    private final TransactionTemplate transaction;

    private final Portfolios portfolios;

    WebhookSubscriptions(
            SubscriptionRepository repository,
            JdbcAggregateOperations aggregates,
            Subscriptions subscriptions,
            Deliveries deliveries,
            SigningSecrets secrets,
            ReceiverAddresses addresses,
            WebhookProperties properties,
            PlatformTransactionManager transactions,
            Portfolios portfolios) {
        this.repository = repository;
        this.aggregates = aggregates;
        this.subscriptions = subscriptions;
        this.deliveries = deliveries;
        this.secrets = secrets;
        this.addresses = addresses;
        this.properties = properties;
        this.transaction = new TransactionTemplate(transactions);
        this.portfolios = portfolios;
    }

    /** Creates a subscription; the answer carries its secret, which is never shown again. */
    SubscriptionView create(Caller caller, UUID portfolioId, SubscriptionRequest request) {
        List<EventType> eventTypes = validate(request);
        if (!secrets.configured()) {
            throw SigningSecrets.notConfigured();
        }
        Integer interval = eventTypes.contains(EventType.JOB_PROGRESS)
                ? Optional.ofNullable(request.progressIntervalSeconds()).orElse(DEFAULT_PROGRESS_INTERVAL)
                : null;
        String secret = secrets.generate();
        String ciphertext = secrets.encrypt(secret);
        String url = request.url().strip();
        List<String> wireNames = eventTypes.stream().map(EventType::wireName).toList();
        return transaction.execute(status -> {
            repository.lockPortfolio(("webhook-subscriptions:" + portfolioId).hashCode());
            if (repository.countByPortfolioId(portfolioId) >= properties.maxSubscriptionsPerPortfolio()) {
                throw tooMany(properties.maxSubscriptionsPerPortfolio());
            }
            // The same receiver however its URL is spelled (HTTPS://Example.com and https://example.com/).
            String receiver = ReceiverAddresses.receiver(url);
            for (SubscriptionRepository.Row existing : repository.findByPortfolioId(portfolioId)) {
                if (!ReceiverAddresses.receiver(existing.url()).equals(receiver)) {
                    continue;
                }
                List<String> shared = existing.eventTypes().stream()
                        .filter(wireNames::contains)
                        .toList();
                if (!shared.isEmpty()) {
                    throw alreadySubscribed(existing.id(), shared);
                }
            }
            // The database's time once the portfolio is locked: later than every subscription committed
            // before this one, so the list (oldest first) grows at its end and a client paging through it
            // meanwhile finds this one after those. The column keeps microseconds, as the clock has them:
            // the subscription answered now is the one listed later.
            Instant now = repository.databaseNow().truncatedTo(ChronoUnit.MICROS);
            SubscriptionRepository.Row row = new SubscriptionRepository.Row(
                    UUID.randomUUID(),
                    portfolioId,
                    url,
                    wireNames,
                    interval,
                    ciphertext,
                    SubscriptionStatus.ACTIVE,
                    null,
                    null,
                    caller.userId(),
                    now,
                    now);
            return aggregates.insert(row).view().withSecret(secret);
        });
    }

    Page<SubscriptionView> list(UUID portfolioId, PageRequest paging) {
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (paging.after() != null) {
            afterCreatedAt = paging.after().micros(0);
            afterId = paging.after().uuid(1);
        }
        List<SubscriptionView> fetched = subscriptions.list(portfolioId, afterCreatedAt, afterId, paging.limit());
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
        }
        return paging.page(
                fetched,
                subscription -> Cursor.ofTime(
                        Cursor.list(SUBSCRIPTIONS, portfolioId),
                        subscription.createdAt(),
                        subscription.subscriptionId()));
    }

    SubscriptionView get(UUID portfolioId, UUID subscriptionId) {
        return repository
                .findByIdAndPortfolioId(subscriptionId, portfolioId)
                .map(SubscriptionRepository.Row::view)
                .orElseThrow(() -> notFound(subscriptionId));
    }

    SubscriptionView disable(UUID portfolioId, UUID subscriptionId) {
        return repository
                .setStatus(subscriptionId, portfolioId, SubscriptionStatus.DISABLED.name(), "Disabled through the API")
                .map(SubscriptionRepository.Row::view)
                .orElseThrow(() -> notFound(subscriptionId));
    }

    SubscriptionView enable(UUID portfolioId, UUID subscriptionId) {
        return repository
                .setStatus(subscriptionId, portfolioId, SubscriptionStatus.ACTIVE.name(), null)
                .map(SubscriptionRepository.Row::view)
                .orElseThrow(() -> notFound(subscriptionId));
    }

    /**
     * A new signing secret; the previous one goes on signing for {@code previous-secret-overlap} when
     * {@code keepPrevious}, so receivers can switch without refusing a message, and stops at once
     * otherwise (a leaked secret).
     */
    SubscriptionView rotateSecret(UUID portfolioId, UUID subscriptionId, boolean keepPrevious) {
        String secret = secrets.generate();
        SubscriptionRepository.Row rotated = transaction.execute(status -> {
            Optional<SubscriptionRepository.Row> row = repository.replaceSecret(
                    subscriptionId,
                    portfolioId,
                    secrets.encrypt(secret),
                    keepPrevious ? properties.previousSecretOverlap().toSeconds() : 0);
            row.ifPresent(
                    replaced -> repository.endPreviousSecrets(subscriptionId, keepPrevious ? MAX_PREVIOUS_SECRETS : 0));
            return row.orElse(null);
        });
        if (rotated == null) {
            throw notFound(subscriptionId);
        }
        return rotated.view().withSecret(secret);
    }

    void delete(UUID portfolioId, UUID subscriptionId) {
        if (!repository.deleteByIdAndPortfolioId(subscriptionId, portfolioId)) {
            throw notFound(subscriptionId);
        }
    }

    Page<DeliveryView> deliveries(UUID portfolioId, UUID subscriptionId, PageRequest paging) {
        get(portfolioId, subscriptionId);
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (paging.after() != null) {
            afterCreatedAt = paging.after().micros(0);
            afterId = paging.after().uuid(1);
        }
        List<DeliveryView> fetched = deliveries.list(subscriptionId, afterCreatedAt, afterId, paging.limit());
        return paging.page(
                fetched,
                delivery -> Cursor.ofTime(
                        Cursor.list(DELIVERIES, subscriptionId), delivery.createdAt(), delivery.deliveryId()));
    }

    DeliveryView delivery(UUID portfolioId, UUID subscriptionId, UUID deliveryId) {
        get(portfolioId, subscriptionId);
        return deliveries
                .find(subscriptionId, deliveryId)
                .orElseThrow(() -> deliveryNotFound(deliveryId))
                .withHistory(deliveries.newestAttempts(deliveryId, MAX_HISTORY));
    }

    /**
     * Sends the message again soon, with the same webhook-id, whatever its state; refused while the
     * subscription is disabled, since nothing is sent to it then. The subscription's status is read with
     * its row locked, in the transaction that changes the message: a subscription disabled at the same
     * moment is either disabled after the message was made pending again (as if disabled a moment
     * later), or refuses the redelivery, never answers it accepted and then sends nothing.
     */
    DeliveryView redeliver(UUID portfolioId, UUID subscriptionId, UUID deliveryId) {
        return transaction.execute(status -> {
            SubscriptionStatus subscription =
                    repository.lockStatus(subscriptionId, portfolioId).orElseThrow(() -> notFound(subscriptionId));
            if (subscription == SubscriptionStatus.DISABLED) {
                throw disabled(subscriptionId);
            }
            return deliveries
                    .redeliver(subscriptionId, deliveryId, properties.retryPeriod())
                    .orElseThrow(() -> deliveryNotFound(deliveryId));
        });
    }

    private List<EventType> validate(SubscriptionRequest request) {
        List<FieldProblem> errors = new ArrayList<>();
        addresses.problem(request.url()).ifPresent(problem -> errors.add(new FieldProblem("url", problem)));
        List<EventType> eventTypes = new ArrayList<>();
        if (request.eventTypes() == null || request.eventTypes().isEmpty()) {
            errors.add(new FieldProblem("eventTypes", "is required: one or more of " + EventType.NAMES));
        } else {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < request.eventTypes().size() && errors.size() <= JobRequestValidation.MAX_ERRORS; i++) {
                String name = request.eventTypes().get(i);
                Optional<EventType> type = EventType.of(name);
                if (type.isEmpty()) {
                    errors.add(new FieldProblem(
                            "eventTypes[" + i + "]", Quoted.of(name) + " is not one of " + EventType.NAMES));
                } else if (!seen.add(name)) {
                    errors.add(new FieldProblem("eventTypes[" + i + "]", Quoted.of(name) + " is listed twice"));
                } else {
                    eventTypes.add(type.get());
                }
            }
        }
        Integer interval = request.progressIntervalSeconds();
        if (interval != null) {
            if (!eventTypes.contains(EventType.JOB_PROGRESS)) {
                errors.add(new FieldProblem("progressIntervalSeconds", "applies only with the job.progress event"));
            } else if (interval < MIN_PROGRESS_INTERVAL || interval > MAX_PROGRESS_INTERVAL) {
                errors.add(new FieldProblem(
                        "progressIntervalSeconds",
                        "must be between " + MIN_PROGRESS_INTERVAL + " and " + MAX_PROGRESS_INTERVAL));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidSubscriptionException(errors);
        }
        return eventTypes;
    }

    private static NotFoundException notFound(UUID subscriptionId) {
        return new NotFoundException("There is no webhook subscription " + subscriptionId + " in this portfolio.");
    }

    private static NotFoundException deliveryNotFound(UUID deliveryId) {
        return new NotFoundException("There is no message " + deliveryId + " of this subscription.");
    }

    /**
     * The URL already receives some of the event types through another subscription: each of those
     * messages would be sent to it twice (a client that created the subscription again on a retry).
     */
    private static RequestRefusedException alreadySubscribed(UUID existing, List<String> shared) {
        String message = "already receives " + String.join(", ", shared) + " through subscription " + existing
                + "; change or delete that one, or subscribe this URL to other event types";
        return new RequestRefusedException(
                RequestRefusedException.Reason.CONFLICT,
                "Already subscribed",
                "The URL " + message + ".",
                List.of(new FieldProblem("url", message)),
                null,
                null);
    }

    private static RequestRefusedException disabled(UUID subscriptionId) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.CONFLICT,
                "Subscription disabled",
                "Subscription " + subscriptionId + " is disabled, so nothing is sent to it: enable it (POST"
                        + " .../webhooks/" + subscriptionId + "/enable) once its endpoint works, then redeliver.");
    }

    /** The portfolio has its most subscriptions: the URL cannot be added, as the other conflict names it. */
    private static RequestRefusedException tooMany(int max) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.CONFLICT,
                "Too many webhook subscriptions",
                "A portfolio may have at most " + max + " webhook subscriptions; delete one first.",
                List.of(new FieldProblem(
                        "url",
                        "cannot be subscribed: the portfolio has " + max
                                + " webhook subscriptions, the most it may have; delete one first")),
                null,
                null);
    }
}
