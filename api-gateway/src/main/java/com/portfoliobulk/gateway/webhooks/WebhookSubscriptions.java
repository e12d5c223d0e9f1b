package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.servicesupport.digests.Sha256;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
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

    /**
     * A created subscription with its secret, or, for a creation sent again with its {@code
     * Idempotency-Key}, the one that key created.
     *
     * @param replayed whether an earlier request with the key created it
     */
    record Created(SubscriptionView subscription, boolean replayed) {}

    /**
     * Creates a subscription; the answer carries its secret, which is shown again only to a creation
     * sent again with the same {@code Idempotency-Key} (its answer lost).
     *
     * <p>With a key, the key is stored with the subscription in the insert that creates it, at most once
     * per portfolio, and stays bound to it for as long as the subscription exists. A creation with a key
     * the portfolio has already creates nothing: the same request (the same URL, event types and
     * progress interval) is answered with that subscription as it is now and its secret, as the first
     * was, while the secret is still the one the creation stored; after a rotation it is refused (409),
     * and another request with the key is refused 422. The portfolio's lock, which every creation takes
     * unless its key is found at once, makes a concurrent creation with the same key wait for the first
     * to commit and then find its subscription.
     *
     * <p>The key is looked up before the URL's host is: a retry of a creation is answered whatever the
     * host resolves to by then (the network trouble that lost the first answer may keep the host from
     * resolving too); its URL was checked when the subscription was created, and is again before every
     * delivery.
     *
     * @param idempotencyKey the request's key (1 to 255 characters), or null for none
     */
    Created create(Caller caller, UUID portfolioId, String idempotencyKey, SubscriptionRequest request) {
        Optional<SubscriptionRepository.Row> stored = idempotencyKey == null
                ? Optional.empty()
                : repository.findByPortfolioIdAndIdempotencyKey(portfolioId, idempotencyKey);
        List<EventType> eventTypes = validate(request, stored.isEmpty());
        if (!secrets.configured()) {
            throw SigningSecrets.notConfigured();
        }
        Integer interval = eventTypes.contains(EventType.JOB_PROGRESS)
                ? Optional.ofNullable(request.progressIntervalSeconds()).orElse(DEFAULT_PROGRESS_INTERVAL)
                : null;
        String url = request.url().strip();
        List<String> wireNames = eventTypes.stream().map(EventType::wireName).toList();
        if (stored.isPresent()) {
            return replay(stored.get(), url, wireNames, interval);
        }
        String secret = secrets.generate();
        String ciphertext = secrets.encrypt(secret);
        return transaction.execute(status -> {
            repository.lockPortfolio(("webhook-subscriptions:" + portfolioId).hashCode());
            if (idempotencyKey != null) {
                Optional<SubscriptionRepository.Row> earlier =
                        repository.findByPortfolioIdAndIdempotencyKey(portfolioId, idempotencyKey);
                if (earlier.isPresent()) {
                    return replay(earlier.get(), url, wireNames, interval);
                }
            }
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
                    now,
                    idempotencyKey,
                    idempotencyKey == null ? null : Sha256.hex(ciphertext));
            return new Created(view(aggregates.insert(row)).withSecret(secret), false);
        });
    }

    /**
     * The answer to a creation whose key created {@code earlier}: that subscription and its secret when
     * the request is the same (its URL as stored, after its surrounding spaces; its event types in any
     * order; its progress interval, the default when left out) and the secret has not been rotated since.
     */
    private Created replay(SubscriptionRepository.Row earlier, String url, List<String> wireNames, Integer interval) {
        boolean sameRequest = earlier.url().equals(url)
                && Set.copyOf(earlier.eventTypes()).equals(Set.copyOf(wireNames))
                && Objects.equals(earlier.progressIntervalSeconds(), interval);
        if (!sameRequest) {
            throw keyReused(earlier.id());
        }
        if (!Sha256.hex(earlier.secretCiphertext()).equals(earlier.createdSecretSha256())) {
            throw secretRotated(earlier);
        }
        String secret = secrets.open(earlier.secretCiphertext()).orElseThrow(() -> secretUnreadable(earlier));
        return new Created(view(earlier).withSecret(secret), true);
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
                .map(this::view)
                .orElseThrow(() -> notFound(subscriptionId));
    }

    SubscriptionView disable(UUID portfolioId, UUID subscriptionId) {
        return repository
                .setStatus(subscriptionId, portfolioId, SubscriptionStatus.DISABLED.name(), "Disabled through the API")
                .map(this::view)
                .orElseThrow(() -> notFound(subscriptionId));
    }

    SubscriptionView enable(UUID portfolioId, UUID subscriptionId) {
        return repository
                .setStatus(subscriptionId, portfolioId, SubscriptionStatus.ACTIVE.name(), null)
                .map(this::view)
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
        return view(rotated).withSecret(secret);
    }

    /** The subscription as clients see it, naming its creator, without its secret. */
    private SubscriptionView view(SubscriptionRepository.Row row) {
        return row.view(subscriptions.creator(row.portfolioId(), row.createdByUserId()));
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

    /**
     * The event types of {@code request}, or the refusal naming every field that cannot be used: an event
     * type that is none first and alone (400, as an unknown job {@code type} is, the request not being one
     * of the ones this endpoint reads), then every field whose content cannot be carried out (422).
     *
     * @param lookUpHost whether to ask what the URL's host resolves to, or only check the URL as written
     */
    private List<EventType> validate(SubscriptionRequest request, boolean lookUpHost) {
        List<String> names = request.eventTypes() == null ? List.of() : request.eventTypes();
        List<FieldProblem> unknown = new ArrayList<>();
        for (int i = 0; i < names.size() && unknown.size() <= JobRequestValidation.MAX_ERRORS; i++) {
            if (EventType.of(names.get(i)).isEmpty()) {
                unknown.add(new FieldProblem(
                        "eventTypes[" + i + "]", Quoted.of(names.get(i)) + " is not one of " + EventType.NAMES));
            }
        }
        if (!unknown.isEmpty()) {
            throw InvalidSubscriptionException.unknownEventTypes(unknown);
        }
        List<FieldProblem> errors = new ArrayList<>();
        (lookUpHost ? addresses.problem(request.url()) : addresses.writtenProblem(request.url()))
                .ifPresent(problem -> errors.add(new FieldProblem("url", problem)));
        List<EventType> eventTypes = new ArrayList<>();
        if (names.isEmpty()) {
            errors.add(new FieldProblem("eventTypes", "is required: one or more of " + EventType.NAMES));
        } else {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < names.size() && errors.size() <= JobRequestValidation.MAX_ERRORS; i++) {
                String name = names.get(i);
                if (!seen.add(name)) {
                    errors.add(new FieldProblem("eventTypes[" + i + "]", Quoted.of(name) + " is listed twice"));
                } else {
                    eventTypes.add(EventType.ofStored(name));
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
            throw InvalidSubscriptionException.invalid(errors);
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

    /** 422, as for a job: the key created a subscription of another URL, event types or interval. */
    private static RequestRefusedException keyReused(UUID earlier) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.IDEMPOTENCY_KEY_REUSED,
                "Idempotency-Key reused",
                "This Idempotency-Key created webhook subscription " + earlier + " in this portfolio, with another"
                        + " url, eventTypes or progressIntervalSeconds; use a new key for a new request.",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "was used for a different request (webhook subscription " + earlier
                                + "); use a new key for a new request")),
                null,
                null);
    }

    /**
     * 409: the same request sent again, but the secret its creation answered was rotated out since, so
     * it is not answered again (it signs beside the new one for the overlap at most, or not at all).
     */
    private static RequestRefusedException secretRotated(SubscriptionRepository.Row earlier) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.CONFLICT,
                "Secret rotated since",
                "This Idempotency-Key created webhook subscription " + earlier.id() + " (" + earlier.url()
                        + ", created at " + earlier.createdAt() + ") already, and its signing secret has been"
                        + " rotated since: the secret of that creation is no longer its current one, so it is not"
                        + " answered again, and no other subscription was created. Verify with the secret the"
                        + " rotation answered; if that answer was lost too, rotate it again (POST .../webhooks/"
                        + earlier.id() + "/rotate-secret).",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "created webhook subscription " + earlier.id() + " already, whose secret was rotated"
                                + " since; use the rotated secret, or rotate it again")),
                null,
                null);
    }

    /**
     * 409: the same request sent again, but this gateway's key does not open the stored secret (the key
     * was changed since, and the secret is to be rotated, as README's "Secrets" says).
     */
    private static RequestRefusedException secretUnreadable(SubscriptionRepository.Row earlier) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.CONFLICT,
                "Secret cannot be shown again",
                "This Idempotency-Key created webhook subscription " + earlier.id() + " (" + earlier.url()
                        + ", created at " + earlier.createdAt() + ") already, and no other subscription was"
                        + " created; its signing secret was stored under another key than this gateway's"
                        + " (bulk.gateway.webhooks.secret-key changed), so it cannot be shown again: rotate it"
                        + " (POST .../webhooks/" + earlier.id() + "/rotate-secret) for a new one.",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "created webhook subscription " + earlier.id() + " already, whose secret cannot be shown"
                                + " again; rotate it for a new one")),
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
