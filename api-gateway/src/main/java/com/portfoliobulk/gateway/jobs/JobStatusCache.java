package com.portfoliobulk.gateway.jobs;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Job rows as read for status polls, kept for a few milliseconds ({@code
 * bulk.gateway.jobs.status-cache-ttl}, default 50 ms; 0 turns it off). Many clients polling one
 * running job then cost the database one read per interval instead of one per poll, and an answer is
 * at most that old: the worker moves a job's counters several times a second anyway, and the ETag
 * (the row's version) is the one of the row answered. A cancellation through this gateway forgets
 * the job at once. Absent jobs are not kept; the map never holds more than {@value #MAX_ENTRIES}
 * jobs (expired ones are dropped first, then all).
 *
 * <p>One read per job at a time: the polls that find the entry expired while another poll is reading
 * the job wait for that read and answer its row (read after they arrived, or while they did), instead
 * of each reading the same row again; at thousands of polls a second, such piles of identical reads
 * took a sixth of the gateway's CPU. A read that a cancellation overtook is answered but not kept.
 */
@Component
class JobStatusCache {

    static final int MAX_ENTRIES = 10_000;

    private final long ttlNanos;

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    /** The reads under way, one per job at most. */
    private final ConcurrentHashMap<Key, CompletableFuture<Optional<Job>>> reads = new ConcurrentHashMap<>();

    JobStatusCache(@Value("${bulk.gateway.jobs.status-cache-ttl:50ms}") Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    /** The job of the portfolio, from the cache when read less than the time to live ago. */
    Optional<Job> job(UUID portfolioId, UUID jobId, Supplier<Optional<Job>> read) {
        if (ttlNanos <= 0) {
            return read.get();
        }
        Key key = new Key(portfolioId, jobId);
        long now = System.nanoTime();
        Entry cached = entries.get(key);
        if (cached != null && now - cached.readAt() < ttlNanos) {
            return Optional.of(cached.job());
        }
        CompletableFuture<Optional<Job>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Job>> running = reads.putIfAbsent(key, mine);
        if (running != null) {
            return awaitRead(running);
        }
        Optional<Job> job;
        try {
            job = read.get();
        } catch (RuntimeException | Error ex) {
            reads.remove(key, mine);
            mine.completeExceptionally(ex);
            throw ex;
        }
        // Kept first, then taken back if a cancellation forgot the job since the read began (forget
        // drops the read under way before the entry, so one of the two always sees the other).
        Entry entry = job.map(found -> new Entry(found, now)).orElse(null);
        if (entry != null) {
            remember(key, entry);
        } else {
            entries.remove(key);
        }
        if (!reads.remove(key, mine) && entry != null) {
            entries.remove(key, entry);
        }
        mine.complete(job);
        return job;
    }

    /** Forgets the job, after this gateway changed it; a read under way is not kept either. */
    void forget(UUID portfolioId, UUID jobId) {
        Key key = new Key(portfolioId, jobId);
        reads.remove(key);
        entries.remove(key);
    }

    private static Optional<Job> awaitRead(CompletableFuture<Optional<Job>> running) {
        try {
            return running.join();
        } catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (ex.getCause() instanceof Error cause) {
                throw cause;
            }
            throw ex;
        }
    }

    private void remember(Key key, Entry entry) {
        if (entries.size() >= MAX_ENTRIES) {
            long now = System.nanoTime();
            entries.values().removeIf(old -> now - old.readAt() >= ttlNanos);
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key, entry);
    }

    private record Key(UUID portfolioId, UUID jobId) {}

    private record Entry(Job job, long readAt) {}
}
