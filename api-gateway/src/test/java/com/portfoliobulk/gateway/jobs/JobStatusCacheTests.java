package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobStatusCacheTests {

    private static final UUID PORTFOLIO = UUID.randomUUID();

    private static final UUID OTHER_PORTFOLIO = UUID.randomUUID();

    private final Job job = job(1);

    private final AtomicInteger reads = new AtomicInteger();

    private final AtomicInteger readsAhead = new AtomicInteger();

    private final MeterRegistry registry = new SimpleMeterRegistry();

    /** What a read ahead finds. */
    private volatile List<Job> stored = List.of();

    /** The time to live of {@link #stuckCache}. */
    private static final Duration STUCK_TTL = Duration.ofMillis(100);

    /** What the read ahead of {@link #stuckCache} waits for: released after each test. */
    private final CountDownLatch databaseStuck = new CountDownLatch(1);

    private final List<JobStatusCache> started = new ArrayList<>();

    @Test
    void readsAheadAJobThatPollsWereAnsweredFromSoPollsDoNotWaitForTheDatabase() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        pollTwice(cache);
        Job moved = job(2);
        stored = List.of(moved);

        readAheadAQuarterHourOn(cache);

        assertThat(readsAhead).hasValue(1);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(3)))).contains(moved);
        assertThat(reads).hasValue(1);
    }

    @Test
    void readsAheadInTheBackgroundWhilePollsGoOn() {
        JobStatusCache cache = cache(Duration.ofSeconds(2));
        cache.job(PORTFOLIO, job.id(), reading(job));
        Job moved = job(2);
        stored = List.of(moved);

        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> cache.job(PORTFOLIO, job.id(), reading(job))
                                .orElseThrow()
                                .version()
                        == 2);

        assertThat(readsAhead).hasPositiveValue();
    }

    /**
     * A poll whose client knows a newer version than the one kept (given by another gateway, which
     * cancelled the job or read it later) reads the job, and that read is kept; a poll naming the
     * version kept, an older one or none is answered from memory.
     */
    @Test
    void aPollNamingANewerVersionThanTheOneKeptReadsTheJobAndKeepsThatRead() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));
        Job cancelled = job(2, JobStatus.CANCELLED);

        assertThat(cache.job(PORTFOLIO, job.id(), OptionalLong.of(1), reading(cancelled)))
                .contains(job);
        assertThat(cache.job(PORTFOLIO, job.id(), OptionalLong.of(2), reading(cancelled)))
                .contains(cancelled);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job))).contains(cancelled);
        assertThat(cache.job(PORTFOLIO, job.id(), OptionalLong.of(1), reading(job)))
                .contains(cancelled);
        assertThat(reads).hasValue(2);
        assertThat(polls("database")).isEqualTo(2);
    }

    /**
     * A read under way when a poll naming a newer version comes may have begun before that version
     * was written: the poll waits for it, and, finding it older, reads the job itself.
     */
    @Test
    void aPollNamingANewerVersionThanAReadUnderWayReadsTheJobAfterIt() throws Exception {
        JobStatusCache cache = cache(Duration.ofHours(1));
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(1);
        CompletableFuture<Optional<Job>> under =
                CompletableFuture.supplyAsync(() -> cache.job(PORTFOLIO, job.id(), () -> {
                    reading.countDown();
                    await(read);
                    return Optional.of(job);
                }));
        await(reading);
        Job cancelled = job(2, JobStatus.CANCELLED);
        CompletableFuture<Optional<Job>> newer = new CompletableFuture<>();
        Thread poll = Thread.ofPlatform()
                .start(() -> newer.complete(cache.job(PORTFOLIO, job.id(), OptionalLong.of(2), reading(cancelled))));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> poll.getState() == Thread.State.WAITING);

        read.countDown();

        assertThat(under.get(10, TimeUnit.SECONDS)).contains(job);
        assertThat(newer.get(10, TimeUnit.SECONDS)).contains(cancelled);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job))).contains(cancelled);
        assertThat(reads).hasValue(1);
    }

    @Test
    void doesNotReadAheadAJobPolledOnceNorKeepItPastItsTime() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));
        stored = List.of(job(2));

        readAheadAQuarterHourOn(cache);
        assertThat(readsAhead).hasValue(0);
        cache.readAhead(System.nanoTime() + Duration.ofHours(2).toNanos());

        Job later = job(3);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
        assertThat(readsAhead).hasValue(0);
        assertThat(reads).hasValue(2);
    }

    @Test
    void aReadAheadNeitherBringsBackAForgottenJobNorKeepsAJobGone() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        pollTwice(cache);
        stored = List.of();

        readAheadAQuarterHourOn(cache);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(null))).isEmpty();

        pollTwice(cache);
        stored = List.of(job(2));
        cache.forget(PORTFOLIO, job.id());
        readAheadAQuarterHourOn(cache);
        Job cancelled = job(3);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(cancelled))).contains(cancelled);
        assertThat(reads).hasValue(4);
    }

    @Test
    void anExpiredEntryIsDroppedNotReadAhead() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        pollTwice(cache);
        stored = List.of(job(2));

        cache.readAhead(System.nanoTime() + Duration.ofHours(2).toNanos());

        assertThat(readsAhead).hasValue(0);
        Job later = job(3);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
        assertThat(reads).hasValue(2);
    }

    @Test
    void aFailedReadAheadLeavesThePollsToReadThemselves() {
        JobStatusCache cache = new JobStatusCache(
                Duration.ofHours(1),
                Duration.ofHours(1),
                Duration.ofHours(10),
                ids -> {
                    throw new IllegalStateException("database down");
                },
                registry);
        pollTwice(cache);

        readAheadAQuarterHourOn(cache);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(2)))).contains(job);
        assertThat(reads).hasValue(1);
    }

    @Test
    void whileTheReadAheadIsLateThePollsAreAnsweredFromTheLastReadsAndDoNotWaitForTheDatabase() {
        // The database takes longer than the time to live to answer each read ahead: the polls that
        // follow one another get the job's last read, the poll's own and then each late read ahead's.
        Duration ttl = Duration.ofMillis(500);
        AtomicInteger version = new AtomicInteger(1);
        JobStatusCache cache = started(new JobStatusCache(
                ttl,
                ttl,
                Duration.ofMinutes(1),
                ids -> {
                    readsAhead.incrementAndGet();
                    sleep(ttl.multipliedBy(2));
                    return List.of(job(version.incrementAndGet()));
                },
                registry));
        List<Long> answered = new ArrayList<>();
        answered.add(cache.job(PORTFOLIO, job.id(), reading(job)).orElseThrow().version());
        long until = System.nanoTime() + ttl.multipliedBy(6).toNanos();
        while (System.nanoTime() < until) {
            answered.add(cache.job(PORTFOLIO, job.id(), reading(job(99)))
                    .orElseThrow()
                    .version());
            sleep(Duration.ofMillis(20));
        }

        assertThat(reads).as("polls that read the job themselves").hasValue(1);
        assertThat(answered).doesNotContain(99L).isSorted();
        assertThat(answered.getLast()).as("a late read ahead's row").isGreaterThan(1);
        assertThat(polls("late")).isPositive();
        assertThat(polls("database")).isEqualTo(1);
    }

    @Test
    void pastTheLongestAgeAPollReadsTheJobItselfWhateverTheReadAhead() {
        JobStatusCache cache = stuckCache(Duration.ofMillis(500));
        pollTwice(cache);
        awaitTheStuckReadAhead();
        Job later = job(2);

        pollEvery10MillisUntil(cache, reading(later), later);

        assertThat(reads).hasValue(2);
    }

    @Test
    void afterAPollReadTheJobPastTheLongestAgeThePollsThatFollowAreAnsweredFromThatRead() {
        // Four times the other tests' time to live, and the longest age ten times that: a poll after the
        // slow read comes within them also on a machine that holds the test's thread up for a while.
        Duration ttl = STUCK_TTL.multipliedBy(4);
        JobStatusCache cache = stuckCache(ttl, ttl.multipliedBy(10));
        pollTwice(cache);
        awaitTheStuckReadAhead();
        Job slowlyRead = job(2);
        Supplier<Optional<Job>> slowRead = () -> {
            reads.incrementAndGet();
            sleep(ttl.multipliedBy(3).dividedBy(2));
            return Optional.of(slowlyRead);
        };
        // Polls following one another until one reads the job itself, past the longest age; that read
        // takes longer than the time to live.
        pollEvery10MillisUntil(cache, slowRead, slowlyRead);
        assertThat(reads).hasValue(2);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(3)))).contains(slowlyRead);
        assertThat(reads).hasValue(2);
    }

    @Test
    void aGapInABusyJobsPollsIsAnsweredFromItsLastReadNotFromTheDatabase() {
        // Polls 150 ms apart with a time to live of 1 s (a job polled busily: each poll noted, at least
        // an eighth of the time to live after the one before, and less than all of it), then none for
        // twice the time to live (the gateway or its clients held up), with no read ahead made meanwhile:
        // the first poll after the gap is answered from the last read, within the longest age, and the
        // polls after it too. The four polls stay within the time to live of the first read unless the
        // sleeps between them wake more than half a second late in all.
        Duration ttl = Duration.ofSeconds(1);
        JobStatusCache cache = stuckCache(ttl, Duration.ofHours(1));
        for (int poll = 0; poll < 4; poll++) {
            cache.job(PORTFOLIO, job.id(), reading(job));
            sleep(Duration.ofMillis(150));
        }
        sleep(ttl.multipliedBy(2));

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(2)))).contains(job);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(2)))).contains(job);
        assertThat(reads).hasValue(1);
        assertThat(polls("late")).isEqualTo(2);
        assertThat(polls("database")).isEqualTo(1);
    }

    @Test
    void aPollLaterThanTheTimeToLiveAfterTheOneBeforeOfAJobPolledNowAndThenReadsTheJobItself() {
        // Two polls back to back are no busy polling: the poll after a pause reads the job, even while
        // a read ahead is late.
        JobStatusCache cache = stuckCache(Duration.ofHours(1));
        pollTwice(cache);
        awaitTheStuckReadAhead();
        sleep(STUCK_TTL.multipliedBy(2));
        Job later = job(2);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
        assertThat(reads).hasValue(2);
        assertThat(polls("late")).isZero();
    }

    @Test
    void aJobPolledOnceIsReadAgainByTheNextPollAfterTheTimeToLive() {
        Duration ttl = Duration.ofMillis(50);
        JobStatusCache cache = started(new JobStatusCache(
                ttl,
                ttl,
                Duration.ofHours(1),
                ids -> {
                    readsAhead.incrementAndGet();
                    return List.of();
                },
                registry));
        cache.job(PORTFOLIO, job.id(), reading(job));
        sleep(ttl.multipliedBy(2));
        Job later = job(2);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
        assertThat(readsAhead).hasValue(0);
        assertThat(polls("late")).isZero();
    }

    @Test
    void countsWhereEachAnswerCameFromAndTimesEachReadAhead() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        pollTwice(cache);
        stored = List.of(job(2));
        readAheadAQuarterHourOn(cache);
        cache.job(PORTFOLIO, job.id(), reading(job(3)));

        assertThat(polls("database")).isEqualTo(1);
        assertThat(polls("memory")).isEqualTo(2);
        assertThat(polls("joined")).isZero();
        assertThat(registry.get("bulk.job.status.read.ahead").timer().count()).isEqualTo(1);
    }

    @Test
    void aFinishedJobIsKeptForTheLongerTimeAndNeverReadAhead() {
        JobStatusCache cache = cache(Duration.ofMinutes(1), Duration.ofHours(1));
        Job completed = job(2, JobStatus.COMPLETED);
        cache.job(PORTFOLIO, job.id(), reading(completed));
        cache.job(PORTFOLIO, job.id(), reading(job(3)));
        stored = List.of(job(4));

        cache.readAhead(System.nanoTime() + Duration.ofMinutes(30).toNanos());

        assertThat(readsAhead).as("reads ahead").hasValue(0);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(5)))).contains(completed);
        assertThat(reads).as("polls' own reads").hasValue(1);
        cache.readAhead(System.nanoTime() + Duration.ofHours(2).toNanos());
        Job later = job(6);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
    }

    @Test
    void aJobReadAheadAsFinishedIsKeptForTheLongerTime() {
        JobStatusCache cache = cache(Duration.ofMinutes(1), Duration.ofHours(1));
        pollTwice(cache);
        Job cancelled = job(2, JobStatus.CANCELLED);
        stored = List.of(cancelled);
        cache.readAhead(System.nanoTime() + Duration.ofSeconds(20).toNanos());
        stored = List.of(job(3));

        cache.readAhead(System.nanoTime() + Duration.ofMinutes(30).toNanos());

        assertThat(readsAhead).hasValue(1);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(4)))).contains(cancelled);
        assertThat(reads).hasValue(1);
    }

    @Test
    void aRunningJobIsNotKeptForTheLongerTime() {
        JobStatusCache cache = cache(Duration.ofMinutes(1), Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));

        cache.readAhead(System.nanoTime() + Duration.ofMinutes(2).toNanos());

        Job later = job(2);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(later))).contains(later);
        assertThat(reads).hasValue(2);
    }

    @Test
    void answersRepeatedPollsWithinTheTimeToLiveFromOneRead() {
        JobStatusCache cache = cache(Duration.ofHours(1));

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job))).contains(job);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(2)))).contains(job);

        assertThat(reads).hasValue(1);
    }

    @Test
    void readsAgainAfterTheJobWasForgotten() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));

        cache.forget(PORTFOLIO, job.id());
        Job cancelled = job(2);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(cancelled))).contains(cancelled);
        assertThat(reads).hasValue(2);
    }

    @Test
    void keepsJobsPerPortfolioAndNeverKeepsAnAbsentJob() {
        JobStatusCache cache = cache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));

        assertThat(cache.job(OTHER_PORTFOLIO, job.id(), reading(null))).isEmpty();
        assertThat(cache.job(OTHER_PORTFOLIO, job.id(), reading(null))).isEmpty();

        assertThat(reads).hasValue(3);
    }

    @Test
    void readsEveryTimeWhenTurnedOff() {
        JobStatusCache cache = cache(Duration.ZERO);
        Job newer = job(2);

        cache.job(PORTFOLIO, job.id(), reading(job));

        assertThat(cache.job(PORTFOLIO, job.id(), reading(newer))).contains(newer);
        assertThat(reads).hasValue(2);
        assertThat(polls("database")).isEqualTo(2);
    }

    @Test
    void pollsThatArriveWhileTheJobIsBeingReadShareThatRead() throws Exception {
        JobStatusCache cache = cache(Duration.ofHours(1));
        CountDownLatch release = new CountDownLatch(1);
        Supplier<Optional<Job>> slowRead = () -> {
            reads.incrementAndGet();
            await(release);
            return Optional.of(job);
        };
        List<CompletableFuture<Optional<Job>>> answers = new ArrayList<>();
        List<Thread> pollers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            CompletableFuture<Optional<Job>> answer = new CompletableFuture<>();
            answers.add(answer);
            Thread poller = new Thread(() -> answer.complete(cache.job(PORTFOLIO, job.id(), slowRead)));
            pollers.add(poller);
            poller.start();
            if (i == 0) {
                Awaitility.await().untilAtomic(reads, equalTo(1));
            }
        }
        // The other four wait for the first one's read rather than reading themselves.
        Awaitility.await()
                .until(() -> pollers.stream().skip(1).allMatch(poller -> poller.getState() == Thread.State.WAITING));

        release.countDown();

        for (CompletableFuture<Optional<Job>> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS)).contains(job);
        }
        assertThat(reads).hasValue(1);
        assertThat(polls("database")).isEqualTo(1);
        assertThat(polls("joined")).isEqualTo(4);
    }

    @Test
    void aReadThatACancellationOvertookIsAnsweredButNotKept() throws Exception {
        JobStatusCache cache = cache(Duration.ofHours(1));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Optional<Job>> answer = new CompletableFuture<>();
        Thread poller = new Thread(() -> answer.complete(cache.job(PORTFOLIO, job.id(), () -> {
            reads.incrementAndGet();
            await(release);
            return Optional.of(job);
        })));
        poller.start();
        Awaitility.await().untilAtomic(reads, equalTo(1));

        cache.forget(PORTFOLIO, job.id());
        release.countDown();
        assertThat(answer.get(10, TimeUnit.SECONDS)).contains(job);

        Job cancelled = job(2);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(cancelled))).contains(cancelled);
        assertThat(reads).hasValue(2);
    }

    /**
     * A read ahead that began first but read later than a poll (its statement waited for a connection):
     * the poll's older read does not replace the newer version the read ahead kept, so the polls after
     * it never go back to a status older than one already answered. The cache's own read-ahead thread
     * is held for the whole test; the read ahead here runs on a thread of the test's.
     */
    @Test
    void aPollsOlderReadDoesNotReplaceTheNewerVersionAReadAheadKept() throws Exception {
        Duration ttl = Duration.ofMillis(400);
        AtomicInteger refresherReads = new AtomicInteger();
        CountDownLatch readAheadRelease = new CountDownLatch(1);
        CountDownLatch pollRelease = new CountDownLatch(1);
        Job newer = job(12);
        Job older = job(11);
        JobStatusCache cache = started(new JobStatusCache(
                ttl,
                ttl,
                ttl.multipliedBy(10),
                ids -> {
                    if (Thread.currentThread().getName().equals("job-status-read-ahead")) {
                        refresherReads.incrementAndGet();
                        await(databaseStuck);
                        return List.of();
                    }
                    readsAhead.incrementAndGet();
                    await(readAheadRelease);
                    return List.of(newer);
                },
                registry));
        pollTwice(cache);
        Awaitility.await().untilAtomic(refresherReads, equalTo(1));
        Thread readAhead = new Thread(cache::readAhead);
        readAhead.start();
        Awaitility.await().untilAtomic(readsAhead, equalTo(1));
        // Past the time to live of the first read, no longer followed: the next poll reads the job itself.
        sleep(ttl.plusMillis(20));
        CompletableFuture<Optional<Job>> polled = new CompletableFuture<>();
        Thread poller = new Thread(() -> polled.complete(cache.job(PORTFOLIO, job.id(), () -> {
            reads.incrementAndGet();
            await(pollRelease);
            return Optional.of(older);
        })));
        poller.start();
        Awaitility.await().untilAtomic(reads, equalTo(2));

        readAheadRelease.countDown();
        readAhead.join(10_000);
        pollRelease.countDown();
        assertThat(polled.get(10, TimeUnit.SECONDS)).contains(older);

        Job next = cache.job(PORTFOLIO, job.id(), reading(job(13))).orElseThrow();
        assertThat(next.version()).as("the status answered after both reads").isGreaterThanOrEqualTo(12);
    }

    @Test
    void aFailedReadFailsThePollAndTheNextPollReadsAgain() {
        JobStatusCache cache = cache(Duration.ofHours(1));

        assertThatThrownBy(() -> cache.job(PORTFOLIO, job.id(), () -> {
                    reads.incrementAndGet();
                    throw new IllegalStateException("database down");
                }))
                .hasMessage("database down");

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job))).contains(job);
        assertThat(reads).hasValue(2);
    }

    /**
     * A cache of {@link #STUCK_TTL} whose read ahead does not end before the test does, as with a
     * database that does not answer.
     */
    private JobStatusCache stuckCache(Duration maxAge) {
        return stuckCache(STUCK_TTL, maxAge);
    }

    /** A cache of time to live {@code ttl} whose read ahead does not end before the test does. */
    private JobStatusCache stuckCache(Duration ttl, Duration maxAge) {
        return started(new JobStatusCache(
                ttl,
                ttl,
                maxAge,
                ids -> {
                    readsAhead.incrementAndGet();
                    await(databaseStuck);
                    return List.of();
                },
                registry));
    }

    /** A cache with a read-ahead thread, stopped after the test. */
    private JobStatusCache started(JobStatusCache cache) {
        started.add(cache);
        return cache;
    }

    @AfterEach
    void stopCaches() {
        databaseStuck.countDown();
        started.forEach(JobStatusCache::destroy);
    }

    /** Polls every 10 ms, as clients following the job, until the answer is {@code expected}. */
    private void pollEvery10MillisUntil(JobStatusCache cache, Supplier<Optional<Job>> read, Job expected) {
        Awaitility.await()
                .pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(10))
                .until(() -> cache.job(PORTFOLIO, job.id(), read).orElseThrow() == expected);
    }

    /** Waits for the read ahead to begin, a few milliseconds at a time: the polls before still count as following. */
    private void awaitTheStuckReadAhead() {
        Awaitility.await()
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5))
                .untilAtomic(readsAhead, equalTo(1));
    }

    private static void sleep(Duration time) {
        try {
            Thread.sleep(time);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private double polls(String answer) {
        return registry.get("bulk.job.status.polls")
                .tag("answer", answer)
                .counter()
                .count();
    }

    /** The job read by one poll and answered to the next one from the cache. */
    private void pollTwice(JobStatusCache cache) {
        cache.job(PORTFOLIO, job.id(), reading(job));
        cache.job(PORTFOLIO, job.id(), reading(job));
    }

    /** A read-ahead pass a quarter of an hour from now: what was read now is due, not yet expired (1 h). */
    private static void readAheadAQuarterHourOn(JobStatusCache cache) {
        cache.readAhead(System.nanoTime() + Duration.ofMinutes(15).toNanos());
    }

    private JobStatusCache cache(Duration ttl) {
        return cache(ttl, ttl);
    }

    /** A cache whose longest age is ten times its time to live, as by default (1 s, 100 ms). */
    private JobStatusCache cache(Duration ttl, Duration finishedTtl) {
        return new JobStatusCache(
                ttl,
                finishedTtl,
                ttl.multipliedBy(10),
                ids -> {
                    readsAhead.incrementAndGet();
                    return stored.stream()
                            .filter(found -> ids.contains(found.id()))
                            .toList();
                },
                registry);
    }

    private Supplier<Optional<Job>> reading(Job answer) {
        return () -> {
            reads.incrementAndGet();
            return Optional.ofNullable(answer);
        };
    }

    private Job job(long version) {
        return job(version, JobStatus.IN_PROGRESS);
    }

    private Job job(long version, JobStatus status) {
        UUID id = job == null ? UUID.randomUUID() : job.id();
        return new Job(
                id,
                PORTFOLIO,
                JobType.OFFBOARD_USERS,
                status,
                new Actor(UUID.randomUUID(), "admin@example.com"),
                JobOrigin.API,
                Instant.parse("2026-01-01T00:00:00Z"),
                null,
                null,
                new JobView.Counts(10, 10, 0, 0, 0, 0),
                version);
    }
}
