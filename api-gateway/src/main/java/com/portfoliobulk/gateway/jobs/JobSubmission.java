package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.gateway.directory.PortfolioNotFoundException;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.servicesupport.digests.Sha256;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Accepts a bulk job: validates the request, resolves its targets against the directory, and stores
 * the job, all its tasks and the {@code Idempotency-Key} in one transaction. The tasks are inserted
 * set-based from the plan, never one by one and never all in memory; the relay publishes them after
 * the commit. The task cap is checked before anything is stored when the request alone tells the
 * number of tasks, otherwise ({@code OFFBOARD_USERS}) by the insert itself, which stores at most one
 * task over the cap and is rolled back if it does.
 *
 * <p>Idempotency: the same key with the same request (compared by the SHA-256 of its normalized,
 * canonical JSON) within the key's time to live answers the job it created; with another request,
 * 422. Two submissions racing with one key cannot both create a job: the key's unique index makes
 * the second wait for the first to commit and then answer the first's job, or 409 when the wait
 * exceeds {@code bulk.gateway.jobs.duplicate-wait}.
 *
 * <p>An administrator's new job is planned and stored as one of its portfolio's submissions, previews
 * and cancellations that the gateway runs at once ({@link PortfolioConcurrencyLimit}), each with a database connection;
 * validation, a replay and the refusal of a request whose known number of tasks is over the cap come
 * before and take no place. The identity provider's deprovisioning does
 * not wait for one: it runs in the transaction of its SCIM request, which holds its connection already,
 * and offboards one user.
 */
@Service
public class JobSubmission {

    /** The request header that names a submission, so that a retry of it does not make a second job. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** The answer header that marks a submission answered with the job an earlier one with its key created. */
    public static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";

    /**
     * The request attribute holding what a submission must do before it plans a new job, when the rate
     * limit let it in as a replay: its key named a job then, but may have expired by the time its body
     * is read, and a new job must not be had for the price of a replay. It takes a permit of the
     * portfolio's submissions, or refuses the request with 429.
     */
    public static final String BEFORE_NEW_JOB = "com.portfoliobulk.gateway.jobs.JobSubmission.beforeNewJob";

    /** The longest {@code Idempotency-Key} accepted. */
    public static final int MAX_KEY_LENGTH = 255;

    /**
     * How the keys of the identity provider's submissions begin; administrators' keys may not, so that
     * no administrator's job can take the key of a deprovisioning (it would answer 422 for the key's
     * lifetime).
     */
    public static final String IDENTITY_PROVIDER_KEY_PREFIX = "scim-";

    /** How many job ids a submission tries when the ones it drew were taken. */
    private static final int MAX_ID_ATTEMPTS = 3;

    private static final JsonMapper CANONICAL_JSON = JsonMapper.builder().build();

    private final JobPlanning planning;

    private final TargetResolution resolution;

    private final Jobs jobs;

    private final JobRepository jobRepository;

    private final IdempotencyKeyRepository keys;

    private final JobsProperties properties;

    private final JobMetrics metrics;

    private final ApplicationEventPublisher events;

    private final TransactionTemplate transaction;

    private final JobIds jobIds;

    private final ClosureLock closureLock;

    private final PortfolioConcurrencyLimit concurrency;

    private final PortfolioAccess access;

    JobSubmission(
            JobPlanning planning,
            TargetResolution resolution,
            Jobs jobs,
            JobRepository jobRepository,
            IdempotencyKeyRepository keys,
            JobsProperties properties,
            JobMetrics metrics,
            ApplicationEventPublisher events,
            PlatformTransactionManager transactions,
            JobIds jobIds,
            ClosureLock closureLock,
            PortfolioConcurrencyLimit concurrency,
            PortfolioAccess access) {
        this.planning = planning;
        this.resolution = resolution;
        this.jobs = jobs;
        this.jobRepository = jobRepository;
        this.keys = keys;
        this.properties = properties;
        this.metrics = metrics;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
        // In a caller's transaction (the identity provider's deprovisioning), a savepoint: an attempt
        // that loses its key or its job id rolls back to it rather than the caller's transaction, and
        // the job commits with the caller's change or not at all.
        this.transaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.jobIds = jobIds;
        this.closureLock = closureLock;
        this.concurrency = concurrency;
        this.access = access;
    }

    /**
     * Creates the job, or finds the one an earlier submission with the same key created.
     *
     * @param beforeNewJob runs before a new job is planned, not for a replay ({@link #BEFORE_NEW_JOB});
     *     null for nothing
     * @throws InvalidParameterException when the key is missing, too long or the identity provider's (400)
     * @throws InvalidJobRequestException when the request cannot be carried out (422)
     * @throws PortfolioNotFoundException when the portfolio does not exist (404)
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException when the portfolio was closed
     *     meanwhile (403), or as many of its submissions, previews and cancellations as the gateway runs
     *     at once were running (503)
     * @throws org.springframework.security.access.AccessDeniedException when the caller, let in with the
     *     permissions cached for a few seconds, may no longer submit jobs on the portfolio as the database
     *     holds their role in the transaction that would store the job (403): removed, or given a role
     *     that submits none, through this gateway or another ({@link PortfolioAccess#requireStillChanging})
     */
    Submitted submit(
            Caller caller, UUID portfolioId, String idempotencyKey, JobRequest request, Runnable beforeNewJob) {
        if (idempotencyKey != null && idempotencyKey.startsWith(IDENTITY_PROVIDER_KEY_PREFIX)) {
            throw new InvalidParameterException(
                    IDEMPOTENCY_KEY,
                    "may not begin with '" + IDENTITY_PROVIDER_KEY_PREFIX + "': those keys are the identity"
                            + " provider's (SCIM deprovisioning); use another unique value, such as a UUID");
        }
        return submit(
                new Actor(caller.userId(), caller.email()),
                JobOrigin.API,
                portfolioId,
                idempotencyKey,
                request,
                beforeNewJob,
                () -> access.requireStillChanging(caller, portfolioId));
    }

    /**
     * Offboards one user on behalf of the portfolio's identity provider (SCIM deprovisioning): the
     * same {@code OFFBOARD_USERS} job, rules and idempotency as an administrator's, with origin
     * {@code SCIM}. The caller chooses a key that is the same for the same deprovisioning, so that a
     * retried one answers the job the first created. In a transaction of the caller's, the job and its
     * key are stored in it, so that they are committed with what the caller records of them, or not at
     * all.
     *
     * @return the job, or empty when the user has no access to any linked account of the portfolio
     *     (nothing to offboard)
     */
    public Optional<JobView> offboardForIdentityProvider(
            Actor identityProvider, UUID portfolioId, UUID userId, String idempotencyKey) {
        if (!idempotencyKey.startsWith(IDENTITY_PROVIDER_KEY_PREFIX)) {
            throw new IllegalArgumentException("Not an identity provider's key: " + idempotencyKey);
        }
        try {
            return Optional.of(submit(
                            identityProvider,
                            JobOrigin.SCIM,
                            portfolioId,
                            idempotencyKey,
                            new OffboardUsers(List.of(userId)),
                            null,
                            null)
                    .job()
                    .view());
        } catch (InvalidJobRequestException noAccess) {
            // One user of a well-formed request: the only content problem is that they have no access here.
            return Optional.empty();
        }
    }

    private Submitted submit(
            Actor requestedBy,
            JobOrigin origin,
            UUID portfolioId,
            String idempotencyKey,
            JobRequest request,
            Runnable beforeNewJob,
            Runnable stillMaySubmit) {
        long start = System.nanoTime();
        String key = checkKey(idempotencyKey);
        ValidatedJobRequest validated = JobRequestValidation.validate(request);
        String hash = hash(validated);
        Optional<Submitted> earlier = replay(portfolioId, key, hash);
        if (earlier.isPresent()) {
            return earlier.get();
        }
        // A refusal the body alone decides takes no place: over the cap, it is refused at once, not
        // after waiting for a place (and answered 503 "try again" when none comes free).
        planning.checkTaskCap(validated.knownTaskCount().orElse(0));
        if (beforeNewJob != null) {
            beforeNewJob.run();
        }
        if (origin == JobOrigin.SCIM) {
            // In the transaction of the identity provider's request, which holds a connection already.
            return create(requestedBy, origin, portfolioId, key, hash, validated, start, stillMaySubmit);
        }
        return concurrency.run(
                portfolioId,
                PortfolioConcurrencyLimit.Work.SUBMISSION,
                () -> create(requestedBy, origin, portfolioId, key, hash, validated, start, stillMaySubmit));
    }

    /**
     * Plans the new job and stores it, or answers the job a concurrent submission with the same key
     * stored first.
     *
     * @param start when the submission began, on {@link System#nanoTime()}
     * @param stillMaySubmit checks in the job's transaction that its submitter may still submit it; null
     *     for the identity provider's deprovisioning, which no portfolio user submits
     */
    private Submitted create(
            Actor requestedBy,
            JobOrigin origin,
            UUID portfolioId,
            String key,
            String hash,
            ValidatedJobRequest validated,
            long start,
            Runnable stillMaySubmit) {
        long expectedTasks = validated.knownTaskCount().orElse(0);
        ResolvedTargets targets = planning.plan(portfolioId, validated).targets();
        for (int attempt = 1; ; attempt++) {
            UUID jobId = jobIds.next();
            try {
                long created = store(jobId, targets, expectedTasks, requestedBy, origin, key, hash, stillMaySubmit);
                Job job = find(portfolioId, jobId).orElseThrow();
                submitted(validated.type(), Duration.ofNanos(System.nanoTime() - start));
                events.publishEvent(new JobSubmitted(jobId, portfolioId, validated.type(), created));
                return new Submitted(job, false);
            } catch (KeyTakenException ex) {
                // A concurrent submission with this key committed first: answer its job.
                Optional<Submitted> earlier = replay(portfolioId, key, hash);
                if (earlier.isPresent()) {
                    return earlier.get();
                }
                if (attempt >= 2) {
                    throw JobProblems.stillBeingCreated(key, properties.retryAfter());
                }
            } catch (DuplicateKeyException idTaken) {
                // Another gateway made a job id in the same millisecond with the same 12-bit counter
                // and the same 14 random bits after it (one gateway's ids never share those first 80
                // bits), so a job or task id is taken: the transaction rolled back; try again with a
                // new id.
                if (attempt >= MAX_ID_ATTEMPTS) {
                    throw idTaken;
                }
            } catch (CannotAcquireLockException ex) {
                // A concurrent submission with this key holds its row for longer than duplicate-wait.
                throw JobProblems.stillBeingCreated(key, properties.retryAfter());
            }
        }
    }

    /**
     * Stores the job, its key and its tasks in one transaction; answers the number of tasks.
     *
     * @param expectedTasks the number of tasks when the request tells it, else 0
     * @param stillMaySubmit as for {@link #create}
     */
    private long store(
            UUID jobId,
            ResolvedTargets targets,
            long expectedTasks,
            Actor requestedBy,
            JobOrigin origin,
            String key,
            String hash,
            Runnable stillMaySubmit) {
        Long created = transaction.execute(status -> {
            // First, and before the lock timeout: the close's last step waits for this job to commit, and
            // cancels it, or marks the portfolio closed first, and this one is refused.
            closureLock.keepOpen(targets.portfolioId());
            // Then the submitter's portfolio user row, shared, as their permissions stand now (also before
            // the lock timeout): a removal or a lowering of their role waits for this job to commit, and
            // cancels it with their other unfinished jobs, or commits first, and this one is refused. The
            // request was let in with permissions cached for seconds, which a removal through another
            // gateway, or one that committed after the check, leaves as they were.
            if (stillMaySubmit != null) {
                stillMaySubmit.run();
            }
            jobs.setLockTimeout(properties.duplicateWait());
            jobs.setSortMemory(properties.submissionWorkMem());
            jobs.insert(jobId, targets.portfolioId(), targets.request().type(), requestedBy, origin, expectedTasks);
            long ttlSeconds = properties.idempotencyKeyTtl().toSeconds();
            keys.deleteExpired(targets.portfolioId(), key, ttlSeconds);
            if (!keys.insertIfAbsent(targets.portfolioId(), key, hash, jobId)) {
                throw new KeyTakenException();
            }
            resolution.keepRoles(targets);
            // At most one task over the cap: storing the plan is counting it, and an oversized plan
            // costs one bounded insert that is rolled back.
            long inserted = resolution.insertTasks(jobId, targets, properties.maxTasksPerJob() + 1L);
            planning.checkCountedTasks(inserted);
            if (inserted != expectedTasks) {
                // OFFBOARD_USERS (known only now), or the directory changed since the request was checked.
                jobs.setTotal(jobId, inserted);
            }
            return inserted;
        });
        return created == null ? 0 : created;
    }

    /**
     * Counts a new job once it exists: at once when its own transaction committed it, else (in a caller's
     * transaction, the identity provider's deprovisioning) when the caller's commits, so that a change
     * rolled back after its job was stored, and its retry, count one job.
     */
    private void submitted(JobType type, Duration took) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            metrics.submitted(type, took);
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                metrics.submitted(type, took);
            }
        });
    }

    /**
     * Whether a submission with this {@code Idempotency-Key} names a job the portfolio has already: it
     * is answered from that job (or refused, with another body) and creates none, so the rate limit
     * counts it as a replay rather than a submission. A retry after a lost answer then gets its job
     * when the portfolio's submissions are used up.
     */
    public boolean namesAnExistingJob(UUID portfolioId, String idempotencyKey) {
        return idempotencyKey != null
                && !idempotencyKey.isBlank()
                && idempotencyKey.length() <= MAX_KEY_LENGTH
                && keys.findLive(
                                portfolioId,
                                idempotencyKey,
                                properties.idempotencyKeyTtl().toSeconds())
                        .isPresent();
    }

    private Optional<Submitted> replay(UUID portfolioId, String key, String hash) {
        Optional<IdempotencyKeyRepository.Row> stored =
                keys.findLive(portfolioId, key, properties.idempotencyKeyTtl().toSeconds());
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        if (!stored.get().requestHash().equals(hash)) {
            throw JobProblems.keyReused(key, properties.idempotencyKeyTtl());
        }
        return find(portfolioId, stored.get().jobId()).map(job -> new Submitted(job, true));
    }

    private Optional<Job> find(UUID portfolioId, UUID jobId) {
        return jobRepository.findByIdAndPortfolioId(jobId, portfolioId).map(JobRepository.Row::job);
    }

    /**
     * Checks an {@code Idempotency-Key} that an endpoint takes if sent (a SCIM token's, a webhook
     * subscription's creation): when sent, one a retry can send again, not blank and at most as long as a
     * job's.
     *
     * @param key the header's value, or null when it was not sent
     * @param perWhat what a key is unique per, for the fix the answer names ("token", "subscription")
     * @throws InvalidParameterException naming the header (400)
     */
    public static void checkOptionalKey(String key, String perWhat) {
        if (key == null) {
            return;
        }
        if (key.isBlank()) {
            throw new InvalidParameterException(
                    IDEMPOTENCY_KEY,
                    "may not be blank: send a unique value per " + perWhat
                            + ", such as a UUID, or leave the header out");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new InvalidParameterException(IDEMPOTENCY_KEY, "must be at most " + MAX_KEY_LENGTH + " characters");
        }
    }

    private static String checkKey(String key) {
        if (key == null || key.isBlank()) {
            throw new InvalidParameterException(
                    IDEMPOTENCY_KEY,
                    "is required: a unique value per job, such as a"
                            + " UUID, so that a retried submission does not create a second job");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw new InvalidParameterException(IDEMPOTENCY_KEY, "must be at most " + MAX_KEY_LENGTH + " characters");
        }
        return key;
    }

    /** The SHA-256 of the canonical JSON of the normalized request: equal for equal requests. */
    static String hash(ValidatedJobRequest request) {
        return Sha256.hex(CANONICAL_JSON.writeValueAsBytes(request.request()));
    }

    /**
     * The outcome of a submission.
     *
     * @param job the job
     * @param replayed whether an earlier submission with the same key created it
     */
    record Submitted(Job job, boolean replayed) {}

    /** The key was stored by a concurrent submission; this one rolls back. */
    private static final class KeyTakenException extends RuntimeException {

        KeyTakenException() {
            super(null, null, false, false);
        }
    }
}
