package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class JobStatusCacheTests {

    private static final UUID PORTFOLIO = UUID.randomUUID();

    private static final UUID OTHER_PORTFOLIO = UUID.randomUUID();

    private final Job job = job(1);

    private final AtomicInteger reads = new AtomicInteger();

    @Test
    void answersRepeatedPollsWithinTheTimeToLiveFromOneRead() {
        JobStatusCache cache = new JobStatusCache(Duration.ofHours(1));

        assertThat(cache.job(PORTFOLIO, job.id(), reading(job))).contains(job);
        assertThat(cache.job(PORTFOLIO, job.id(), reading(job(2)))).contains(job);

        assertThat(reads).hasValue(1);
    }

    @Test
    void readsAgainAfterTheJobWasForgotten() {
        JobStatusCache cache = new JobStatusCache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));

        cache.forget(PORTFOLIO, job.id());
        Job cancelled = job(2);

        assertThat(cache.job(PORTFOLIO, job.id(), reading(cancelled))).contains(cancelled);
        assertThat(reads).hasValue(2);
    }

    @Test
    void keepsJobsPerPortfolioAndNeverKeepsAnAbsentJob() {
        JobStatusCache cache = new JobStatusCache(Duration.ofHours(1));
        cache.job(PORTFOLIO, job.id(), reading(job));

        assertThat(cache.job(OTHER_PORTFOLIO, job.id(), reading(null))).isEmpty();
        assertThat(cache.job(OTHER_PORTFOLIO, job.id(), reading(null))).isEmpty();

        assertThat(reads).hasValue(3);
    }

    @Test
    void readsEveryTimeWhenTurnedOff() {
        JobStatusCache cache = new JobStatusCache(Duration.ZERO);
        Job newer = job(2);

        cache.job(PORTFOLIO, job.id(), reading(job));

        assertThat(cache.job(PORTFOLIO, job.id(), reading(newer))).contains(newer);
        assertThat(reads).hasValue(2);
    }

    private Supplier<Optional<Job>> reading(Job answer) {
        return () -> {
            reads.incrementAndGet();
            return Optional.ofNullable(answer);
        };
    }

    private Job job(long version) {
        UUID id = job == null ? UUID.randomUUID() : job.id();
        return new Job(
                id,
                PORTFOLIO,
                JobType.OFFBOARD_USERS,
                JobStatus.IN_PROGRESS,
                new Actor(UUID.randomUUID(), "admin@example.com"),
                JobOrigin.API,
                Instant.parse("2026-01-01T00:00:00Z"),
                null,
                null,
                new JobView.Counts(10, 10, 0, 0, 0, 0),
                version);
    }
}
