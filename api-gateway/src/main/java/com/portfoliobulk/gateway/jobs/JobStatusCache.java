package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.servicesupport.concurrent.Futures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Job rows as read for status polls, answered for at most a short time after they were read ({@code
 * bulk.gateway.jobs.status-cache-ttl}, default 100 ms; 0 turns it off). Many clients polling one
 * running job then cost the database one read per interval instead of one per poll, and an answer is
 * at most that old: the worker moves a job's counters several times a second anyway, and the ETag
 * (the row's version) is the one of the row answered. A cancellation through this gateway forgets
 * the job at once. Another gateway does not know of it: a poll whose client sends back a version newer
 * than the one kept (the tag its cancellation or another gateway's answer gave it) reads the job, so
 * that client never sees the job go back. Absent jobs are not kept; the map never holds more than
 * {@value #MAX_ENTRIES} jobs (expired ones are dropped first, then all).
 *
 * <p>A finished job (COMPLETED, COMPLETED_WITH_ERRORS or CANCELLED) is kept for longer ({@code
 * bulk.gateway.jobs.finished-status-cache-ttl}, default 1 min) and never read ahead: its row no longer
 * changes. Nothing pending is left to end (a cancellation takes its pending tasks under their locks,
 * and every later outcome is written only to a pending task), and a finished job cannot be cancelled.
 * Only the retention deletes it, weeks later, and a poll may still be answered from memory for up to
 * that minute after. Clients that keep polling a job after it finished (a script that has not noticed yet, a
 * console left open) cost the database one read a minute instead of several a second, and their polls
 * do not wait for it. With {@code status-cache-ttl} 0, nothing is kept.
 *
 * <p>Jobs being polled are read ahead: every quarter of the interval, one statement reads again every kept job
 * that a poll was answered from since its last read, so such polls do not wait for the database,
 * which a running job keeps busy (in the benchmark, with every answer from memory, the p99 of polls
 * during a job was 7 to 16 ms against 14 to 47 ms). A job polled once is not read again until it is
 * polled again: the next poll after the interval reads it itself.
 *
 * <p>When a read ahead is late (the database, or this gateway, busy for longer than three quarters of
 * the interval), the polls of a job being read ahead are answered from its last read, read ahead or
 * not, for at most {@code bulk.gateway.jobs.status-max-age} (default 1 s) after that read: they do not
 * wait for the database when it is slowest. A job is being read ahead while polls follow one another
 * less than the interval apart, and a job polled busily (its last two polls noted less than the
 * interval apart) until no poll came for the longest age: the first poll after a gap in a busy job's
 * polls (the gateway or its clients held up for a moment) is answered from the last read too, where
 * it would read the job with the polls after it waiting for that read (in the benchmark, one such
 * read after a gap kept 30 polls waiting for about 150 ms). A poll of a job polled now and then (one
 * client polling every few seconds, or two polls back to back and then a pause) reads the job itself
 * once the interval is over, and so does any poll past the longest age. (In the benchmark at 200
 * polls a second during a job, about one poll in sixty had waited for the database, each time a read
 * ahead was late, and those polls made the p99.)
 *
 * <p>One read per job at a time: the polls that find the entry expired while another poll is reading
 * the job wait for that read and answer its row (read after they arrived, or while they did), instead
 * of each reading the same row again; at thousands of polls a second, such piles of identical reads
 * took a sixth of the gateway's CPU. A read that a cancellation overtook is answered but not kept.
 *
 * <p>Metrics: {@code bulk_job_status_polls_total} by {@code answer}, where it came from ({@code memory}:
 * a kept read within the interval; {@code late}: a kept read past the interval, its read ahead being
 * late or its busy polling having paused; {@code database}: the poll read the job; {@code joined}: it
 * waited for another poll's read), and {@code bulk_job_status_read_ahead_seconds}, how long each read
 * ahead took. A read ahead slower than three quarters of the interval makes {@code late} answers, and
 * one slower than the longest age makes polls wait for the database: the share of {@code database}
 * and {@code joined} answers of a job polled by many shows it.
 */
@Component
class JobStatusCache implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(JobStatusCache.class);

    static final int MAX_ENTRIES = 10_000;

    private final long ttlNanos;

    private final long finishedTtlNanos;

    /** How old an answer of a job being followed may be while its read ahead is late or its polls paused. */
    private final long maxAgeNanos;

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();

    /** The reads under way, one per job at most. */
    private final ConcurrentHashMap<Key, CompletableFuture<Optional<Job>>> reads = new ConcurrentHashMap<>();

    /** Reads the jobs with these ids (those found; any portfolio). */
    private final Function<Collection<UUID>, List<Job>> readAhead;

    private final ScheduledExecutorService refresher;

    private final Counter fromMemory;

    private final Counter late;

    private final Counter fromDatabase;

    private final Counter joined;

    private final Timer readAheadTime;

    @Autowired
    JobStatusCache(
            @Value("${bulk.gateway.jobs.status-cache-ttl:100ms}") Duration ttl,
            @Value("${bulk.gateway.jobs.finished-status-cache-ttl:1m}") Duration finishedTtl,
            @Value("${bulk.gateway.jobs.status-max-age:1s}") Duration maxAge,
            Jobs jobs,
            MeterRegistry registry) {
        this(ttl, finishedTtl, maxAge, jobs::findForStatus, registry);
    }

    JobStatusCache(
            Duration ttl,
            Duration finishedTtl,
            Duration maxAge,
            Function<Collection<UUID>, List<Job>> readAhead,
            MeterRegistry registry) {
        this.ttlNanos = ttl.toNanos();
        this.finishedTtlNanos = Math.max(ttlNanos, finishedTtl.toNanos());
        this.maxAgeNanos = Math.max(ttlNanos, maxAge.toNanos());
        this.readAhead = readAhead;
        this.fromMemory = polls(registry, "memory");
        this.late = polls(registry, "late");
        this.fromDatabase = polls(registry, "database");
        this.joined = polls(registry, "joined");
        this.readAheadTime = Timer.builder("bulk.job.status.read.ahead")
                .description("One read ahead of the polled jobs' status, all of them in one statement")
                .publishPercentileHistogram()
                .register(registry);
        if (ttlNanos <= 0) {
            refresher = null;
            return;
        }
        refresher = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("job-status-read-ahead").factory());
        long quarter = Math.max(1, ttlNanos / 4);
        refresher.scheduleWithFixedDelay(this::readAhead, quarter, quarter, TimeUnit.NANOSECONDS);
    }

    private static Counter polls(MeterRegistry registry, String answer) {
        return Counter.builder("bulk.job.status.polls")
                .description("Job status polls answered, by where the answer came from")
                .tag("answer", answer)
                .register(registry);
    }

    /** The job of the portfolio, from the cache when read less than the time to live ago. */
    Optional<Job> job(UUID portfolioId, UUID jobId, Supplier<Optional<Job>> read) {
        return job(portfolioId, jobId, OptionalLong.empty(), read);
    }

    /**
     * {@link #job(UUID, UUID, Supplier)} for a poll whose client knows the job's row at version {@code
     * known} (the tag it sends back): an entry or a read under way older than that is not answered, the
     * poll reads the job and its read replaces the entry. The client learnt that version from an
     * answer given after it was written, by this gateway or another (which cancelled the job, or read
     * it later than this one), so the job does not go back to an older state for it; a poll naming no
     * newer version costs nothing more (one naming a version never written reads the job each time, as
     * without the cache).
     */
    Optional<Job> job(UUID portfolioId, UUID jobId, OptionalLong known, Supplier<Optional<Job>> read) {
        if (ttlNanos <= 0) {
            fromDatabase.increment();
            return read.get();
        }
        Key key = new Key(portfolioId, jobId);
        long now = System.nanoTime();
        Entry cached = entries.get(key);
        if (cached != null && cached.answerableAt(now, maxAgeNanos) && !olderThan(cached.job(), known)) {
            (cached.expiredAt(now) ? late : fromMemory).increment();
            cached.polled(now);
            return Optional.of(cached.job());
        }
        CompletableFuture<Optional<Job>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<Job>> running = reads.putIfAbsent(key, mine);
        if (running != null) {
            Optional<Job> answer = Futures.join(running);
            if (answer.isEmpty() || !olderThan(answer.get(), known)) {
                joined.increment();
                return answer;
            }
            // That read was under way when the poll came, so it may have begun before the version the
            // client knows was written; one begun after it was done (it is no longer under way) has read it.
            running = reads.putIfAbsent(key, mine);
            if (running != null) {
                joined.increment();
                return Futures.join(running);
            }
        }
        fromDatabase.increment();
        // A poll of a job being followed (past the longest age, then: see Entry#followedAt): the job is
        // still being polled, and its new entry is answerable late and read ahead at once,
        // however long this read took, so that the polls after it do not read it again each in turn.
        boolean followed = cached != null && cached.followedAt(now, maxAgeNanos);
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
        OptionalLong polledAt = followed ? OptionalLong.of(System.nanoTime()) : Entry.NOT_POLLED;
        Entry entry = job.map(found -> entry(found, now, polledAt, followed && cached.busy()))
                .orElse(null);
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

    /**
     * Reads again, in one statement, the kept unfinished jobs that a poll was answered from since their
     * last read and that are a quarter of the interval old (or older, up to the longest age, when the
     * last read ahead was late), and drops the entries no poll may be answered from any more. A job
     * forgotten or read by a poll meanwhile keeps that entry. A failed read is logged: the polls then
     * read the jobs themselves once the entries are past the longest age.
     */
    void readAhead() {
        readAhead(System.nanoTime());
    }

    /** {@link #readAhead()} as at {@code now} ({@link System#nanoTime}). */
    void readAhead(long now) {
        Map<Key, Entry> due = new HashMap<>();
        entries.forEach((key, entry) -> {
            if (!entry.answerableAt(now, maxAgeNanos)) {
                entries.remove(key, entry);
            } else if (!entry.finished() && entry.polledSinceRead() && now - entry.readAt() >= ttlNanos / 4) {
                due.put(key, entry);
            }
        });
        if (due.isEmpty()) {
            return;
        }
        Map<UUID, Job> read = new HashMap<>();
        long started = System.nanoTime();
        try {
            readAhead.apply(due.keySet().stream().map(Key::jobId).toList()).forEach(job -> read.put(job.id(), job));
        } catch (RuntimeException ex) {
            log.warn("Reading ahead the status of {} polled jobs failed: {}", due.size(), ex.toString());
            return;
        } finally {
            readAheadTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        due.forEach((key, entry) -> {
            Job job = read.get(key.jobId());
            if (job != null && job.portfolioId().equals(key.portfolioId())) {
                entries.replace(key, entry, entry(job, now, entry.polledAt(), entry.busy()));
            } else {
                entries.remove(key, entry);
            }
        });
    }

    @Override
    public void destroy() {
        if (refresher != null) {
            refresher.shutdownNow();
        }
    }

    private void remember(Key key, Entry entry) {
        if (entries.size() >= MAX_ENTRIES) {
            long now = System.nanoTime();
            entries.values().removeIf(old -> !old.answerableAt(now, maxAgeNanos));
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        // A poll's read never replaces a newer one: a newer version of the row (a read ahead that began
        // first but read later), or, of the same version, a read that began later.
        entries.merge(key, entry, (kept, read) -> newer(read, kept) ? read : kept);
    }

    /** Whether the job was read before the row reached version {@code known}. */
    private static boolean olderThan(Job job, OptionalLong known) {
        return known.isPresent() && job.version() < known.getAsLong();
    }

    private static boolean newer(Entry read, Entry kept) {
        long readVersion = read.job().version();
        long keptVersion = kept.job().version();
        return readVersion != keptVersion ? readVersion > keptVersion : read.readAt() - kept.readAt() >= 0;
    }

    /** An entry read at {@code readAt}; {@code polledAt} and {@code busy} carried over from the one it replaces. */
    private Entry entry(Job job, long readAt, OptionalLong polledAt, boolean busy) {
        boolean finished = job.status().isTerminal();
        long ttl = finished ? finishedTtlNanos : ttlNanos;
        return new Entry(job, readAt, ttl, finished, polledAt.orElse(readAt - ttl), busy);
    }

    private record Key(UUID portfolioId, UUID jobId) {}

    /**
     * A job as read at {@code readAt} ({@link System#nanoTime}), kept for {@code ttl} nanoseconds, and
     * when a poll was last answered from it or, carried over by the reads ahead, from the entries it
     * replaced.
     */
    private static final class Entry {

        /** For an entry no poll was answered from yet. */
        static final OptionalLong NOT_POLLED = OptionalLong.empty();

        private final Job job;

        private final long readAt;

        private final long ttl;

        private final boolean finished;

        /** When a poll was last answered from it (to an eighth of the interval); a time to live before {@code readAt} if none. */
        private volatile long polledAt;

        /**
         * Whether the last poll noted followed the one noted before by less than the time to live: the
         * job is polled busily (by many clients, or one polling often), not now and then.
         */
        private volatile boolean busy;

        Entry(Job job, long readAt, long ttl, boolean finished, long polledAt, boolean busy) {
            this.job = job;
            this.readAt = readAt;
            this.ttl = ttl;
            this.finished = finished;
            this.polledAt = polledAt;
            this.busy = busy;
        }

        boolean expiredAt(long now) {
            return now - readAt >= ttl;
        }

        /**
         * Whether a poll may be answered from it: within its time to live, or, for a running job being
         * followed (see {@link #followedAt}), within {@code maxAge}.
         */
        boolean answerableAt(long now, long maxAge) {
            return !expiredAt(now) || (followedAt(now, maxAge) && now - readAt < maxAge);
        }

        /**
         * Whether a running job is being followed at {@code now}: its last poll came less than the time
         * to live ago, or, if it was polled busily, less than {@code maxAge} ago. A gap in a busy job's
         * polls (the gateway or its clients held up for a moment) then does not send the first poll
         * after it to the database with the others waiting for that read; a job polled now and then is
         * read by its next poll once the time to live is over.
         */
        boolean followedAt(long now, long maxAge) {
            return !finished && (now - polledAt < ttl || (busy && now - polledAt < maxAge));
        }

        boolean busy() {
            return busy;
        }

        /** A finished job's status no longer changes: it is not read ahead. */
        boolean finished() {
            return finished;
        }

        Job job() {
            return job;
        }

        long readAt() {
            return readAt;
        }

        /** Notes a poll answered from it; written again only an eighth of the interval later. */
        void polled(long now) {
            long since = now - polledAt;
            if (since >= ttl / 8) {
                busy = since < ttl;
                polledAt = now;
            }
        }

        /** Whether a poll was answered from it (or from the entry it replaced) since it was read. */
        boolean polledSinceRead() {
            return polledAt - readAt >= 0;
        }

        OptionalLong polledAt() {
            return OptionalLong.of(polledAt);
        }
    }
}
