package com.portfoliobulk.gateway.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bounds the memory that the request bodies being handled at once take, gateway-wide and per caller:
 * every request with a body (a declared length, or chunked, which counts as the largest allowed)
 * holds its size from the budget for as long as it is handled, as reading, validating and storing it
 * hold memory in proportion to its body (up to about 15 times its size for a body read into records,
 * such as a job's). A body read as a whole JSON tree (every SCIM body) counts {@value #TREE_FACTOR}
 * times its size, as its tree takes up to about 31 times its size ({@code [{},{},...]}), twice what
 * the budget assumes of a body. Under the SCIM base path the largest allowed is {@code
 * bulk.gateway.web.max-scim-request-body} ({@link RequestBodyLimit}).
 *
 * <p>A large body (over {@value #SMALL_BODY} bytes, or chunked where the largest allowed is over
 * that) takes its size from {@code bulk.gateway.web.max-body-bytes-in-flight} (by default four bodies
 * of the largest size, 20 MB); every body, small or large, from the budget of all bodies together,
 * a quarter more than that (25 MB by default): the large bodies never hold that reserve, so that while
 * they hold all of theirs the small ones (a console form, a SCIM request, a small submission) are
 * still read. When the budget is used up, the request waits for it up to {@link #WAIT} and is then
 * answered 503 with {@code Retry-After}, before anything reads its body or counts it in a rate limit,
 * so nothing is changed. Without such a bound, every request of many callers (or of one) could read
 * its body at once, and the heap they took together could end the gateway for everyone. Before, a
 * body of at most {@value #SMALL_BODY} bytes (every SCIM body) took nothing: 600 SCIM searches of 64
 * KiB sent slowly with one SCIM token (a tree of some 2 MB each), or 1,300 bodies of 64 KiB that one
 * valid token sent slowly to an endpoint reading them before it checks the permission, took more than
 * the heap, and the gateway stopped.
 *
 * <p>One caller's bodies together, small and large, take at most {@code
 * bulk.gateway.web.max-body-bytes-in-flight-per-caller} (by default half of {@code
 * max-body-bytes-in-flight}, 10 MB: 160 bodies of 64 KiB, 53 SCIM bodies of 64 KiB); a request that
 * would take more waits for its caller's own to end, within the same {@link #WAIT}, and is then
 * answered the same 503. The caller is the authenticated subject: a bearer token's {@code sub}, a SCIM
 * token's portfolio (all of its tokens together, {@link CallerKey}: a portfolio's Owner may create any
 * number of tokens, and counted apart each took one more share), a console session's user (by their
 * user id, {@link CallerKey}: its log line names no address);
 * not the portfolio the path names, which anyone with a valid token
 * may name before a permission is checked (some endpoints read the body first), so that counting by
 * it would let one caller hold the shares of many portfolios, or use up another portfolio's. Without
 * it, one caller opening several connections (or reconnecting after each 408) held the whole budget,
 * and every other portfolio's bodies were answered 503. A caller's entry is removed when none of
 * its requests holds or waits for a share, so the entries are never more than the bodies being
 * handled.
 *
 * <p>The requests without a known caller (not signed in, or to an endpoint open to anyone) share one
 * smaller share, {@value #ANONYMOUS_SHARE_DIVISOR} times less than a caller's (2.5 MB by default: 40
 * forms of 64 KiB): none of the endpoints open to them takes a large body, and they cannot hold more
 * of the budget than that, however many they are.
 *
 * <p>It runs right after the security filters, so that only authenticated requests take from the
 * budget as their caller's (one without a valid token is refused before its body is read, and cannot
 * hold the budget while it sends its body slowly), the caller is known, and the refusal carries the
 * security headers those filters write. An authenticated one that sends its body slowly holds its
 * share only until the body's read times out ({@code bulk.gateway.web.body-read-timeout}, {@link
 * RequestBodyLimit}: 408). A form body, which the security filters read themselves (the console's CSRF
 * check), takes from the budget before them instead ({@link RequestParameters}, through {@link #hold}).
 * A console form whose reviewed request the console sends on to the API gives its share back then
 * ({@link HeldBodies#forwarded}), as that request takes its own: counted twice, a console Confirm of a
 * large list held twice its size.
 * Under the SCIM base path the 503 is a SCIM error (the SCIM error page writes it), not a problem, and
 * on the console's pages the console's error page ({@link FilterRefusals}).
 * Refusals count in {@code bulk_requests_body_budget_refused_total}, by {@code reason}: {@code
 * budget} (all of the budget held), {@code caller} (all of the caller's share held) or {@code
 * anonymous} (all of the share of the requests without a known caller held).
 */
@Component
@Order(SecurityFilterProperties.DEFAULT_FILTER_ORDER + 1)
class RequestBodyBudget extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(RequestBodyBudget.class);

    /**
     * Bodies of at most this many bytes (declared, or the largest allowed of a chunked one) are small:
     * they may take the reserve of the budget that large bodies never hold.
     */
    static final long SMALL_BODY = 64 * 1024;

    /**
     * How many times its size a body read as a whole JSON tree (a SCIM body) counts: a tree takes up to
     * about 31 times its body's size (measured: 64 KiB of {@code [{},{},...]}, 2.0 MB; of {@code
     * [{"a":0},...]}, 1.7 MB), where the budget assumes about 15 times of a body (a job's, or 64 KiB of
     * {@code {"permissions":["a",...]}} read into its record, 0.87 MB).
     */
    static final int TREE_FACTOR = 3;

    /**
     * How many times less than {@code max-body-bytes-in-flight} the reserve is that only small bodies
     * take, over it: the budget of all bodies together is a quarter more than that of the large ones.
     */
    static final int SMALL_RESERVE_DIVISOR = 4;

    /** How long a request waits for the budget (and its caller's share) before it is answered 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    static final String BUSY = "The gateway is reading as many request bodies as it may at once;"
            + " nothing was changed, try again shortly.";

    static final String CALLER_BUSY = "The gateway is reading as many request bodies of yours as it reads"
            + " of one caller at once (bulk.gateway.web.max-body-bytes-in-flight-per-caller); nothing was changed,"
            + " try again shortly, once one of them is answered.";

    static final String ANONYMOUS_BUSY = "The gateway is reading as many request bodies of callers not"
            + " signed in as it reads at once; nothing was changed, try again shortly, signed in.";

    /**
     * The key of the requests without an authenticated caller, all together (the endpoints open to them
     * take no large body).
     */
    static final String NO_CALLER = "";

    /** How many times less of the budget the requests without a caller hold together than one caller. */
    static final int ANONYMOUS_SHARE_DIVISOR = 4;

    /**
     * The request attribute of a request whose body took from the budget before the security filters
     * ({@link #hold}), which the filter itself then leaves alone.
     */
    private static final String HELD = RequestBodyBudget.class.getName() + ".HELD";

    /** What the large bodies hold: {@code max-body-bytes-in-flight}. */
    private final Semaphore budget;

    private final int budgetBytes;

    /**
     * What all bodies hold, small and large: {@code max-body-bytes-in-flight} and the small ones' reserve.
     * A body that fits in what is left takes it even while a larger one waits for more, so that a large
     * body waiting here never holds up the small ones (the large ones wait their turn for {@link #budget}).
     */
    private final Semaphore allBodies;

    private final int allBodiesBytes;

    private final int callerBytes;

    private final int anonymousBytes;

    private final long maxBody;

    /** The largest body under the SCIM base path ({@link RequestBodyLimit}). */
    private final long maxScimBody;

    /**
     * Each caller's share: an entry is added by the first body of its caller being handled, or waiting
     * for its share, and removed with the last one.
     */
    private final PermitsPerKey<String> callers;

    private final FilterRefusals filterRefusals;

    private final Counter refusedByBudget;

    private final Counter refusedByCallerShare;

    private final Counter refusedByAnonymousShare;

    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    private final AtomicLong warnedOfCallerAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    private final AtomicLong warnedOfAnonymousAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    RequestBodyBudget(WebProperties properties, FilterRefusals filterRefusals, MeterRegistry meters) {
        long bytes = properties.maxBodyBytesInFlight().toBytes();
        if (bytes <= 0) {
            throw new IllegalStateException("bulk.gateway.web.max-body-bytes-in-flight must be more than 0 bytes");
        }
        long perCaller = properties.maxBodyBytesInFlightPerCaller().toBytes();
        if (perCaller < 1 || perCaller > bytes) {
            throw new IllegalStateException("bulk.gateway.web.max-body-bytes-in-flight-per-caller is " + perCaller
                    + " bytes; it must be from 1 byte to bulk.gateway.web.max-body-bytes-in-flight (" + bytes
                    + " bytes), or unset for half of that");
        }
        this.budgetBytes = (int) Math.min(bytes, Integer.MAX_VALUE);
        this.callerBytes = (int) Math.min(perCaller, Integer.MAX_VALUE);
        this.anonymousBytes = Math.max(1, callerBytes / ANONYMOUS_SHARE_DIVISOR);
        this.budget = new Semaphore(budgetBytes, true);
        this.allBodiesBytes = (int)
                Math.min((long) budgetBytes + Math.max(1, budgetBytes / SMALL_RESERVE_DIVISOR), Integer.MAX_VALUE);
        // Not fair: a large body that waits for it must not hold up the small ones that fit in what is left.
        this.allBodies = new Semaphore(allBodiesBytes, false);
        this.callers = new PermitsPerKey<>(this::shareBytes);
        this.maxBody = properties.maxRequestBody().toBytes();
        this.maxScimBody = properties.scimBodyCap();
        this.filterRefusals = filterRefusals;
        this.refusedByBudget = refusals(
                meters,
                "budget",
                "Requests with a body answered 503 because the bodies being handled used up"
                        + " bulk.gateway.web.max-body-bytes-in-flight (for a small body, with its reserve)");
        this.refusedByCallerShare = refusals(
                meters,
                "caller",
                "Requests with a body answered 503 because their caller's bodies being handled used up"
                        + " bulk.gateway.web.max-body-bytes-in-flight-per-caller");
        this.refusedByAnonymousShare = refusals(
                meters,
                "anonymous",
                "Requests with a body answered 503 because the bodies being handled of callers not"
                        + " signed in used up their share");
    }

    private static Counter refusals(MeterRegistry meters, String reason, String description) {
        return Counter.builder("bulk.requests.body.budget.refused")
                .description(description)
                .tag("reason", reason)
                .register(meters);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getAttribute(HELD) != null) {
            chain.doFilter(request, response);
            return;
        }
        hold(request, response, caller(), maxBody, false, chain);
    }

    /**
     * Handles the request (by {@code chain}) with its body's bytes taken from the budget and from its
     * caller's share until it ends, or answers 503 when they cannot be had within {@link #WAIT}; a
     * request without a body takes nothing. The filter itself then leaves the request alone.
     *
     * @param caller who sends the request ({@link #NO_CALLER} for no one known)
     * @param largest what a body without a declared length counts as (under the SCIM base path, at most
     *     its cap)
     * @param securityHeaders whether a refusal writes the security headers itself: before the security
     *     filters, which write them on every other answer
     */
    void hold(
            HttpServletRequest request,
            HttpServletResponse response,
            String caller,
            long largest,
            boolean securityHeaders,
            FilterChain chain)
            throws ServletException, IOException {
        boolean scim = FilterRefusals.isScim(request);
        long size = size(request, scim ? Math.min(largest, maxScimBody) : largest);
        if (size == 0) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(HELD, Boolean.TRUE);
        boolean large = size > SMALL_BODY;
        long counted = scim ? size * TREE_FACTOR : size;
        // Never more than the whole budget or share, so that a request always gets in alone.
        int largeBytes = large ? (int) Math.min(counted, budgetBytes) : 0;
        int bytes = large ? largeBytes : (int) Math.min(counted, allBodiesBytes);
        int callersBytes = (int) Math.min(counted, shareBytes(caller));
        Taken taken = take(caller, callersBytes, largeBytes, bytes);
        if (taken.refusal() != null) {
            Refusal refusal = taken.refusal();
            if (refusal == Refusal.CALLER && caller.equals(NO_CALLER)) {
                refusal = Refusal.ANONYMOUS;
            }
            refuse(request, response, refusal, caller, securityHeaders);
            return;
        }
        PermitsPerKey<String>.Held share = taken.share();
        AtomicBoolean held = new AtomicBoolean(true);
        Runnable release = () -> {
            if (held.getAndSet(false)) {
                allBodies.release(bytes);
                budget.release(largeBytes);
                share.release();
            }
        };
        // What handles the request may give its share back once its body is sent on ({@link HeldBodies}).
        request.setAttribute(HeldBodies.RELEASE, release);
        try {
            chain.doFilter(request, response);
        } finally {
            request.removeAttribute(HeldBodies.RELEASE);
            if (request.isAsyncStarted()) {
                // The request goes on after this thread leaves it: its end gives the bytes back.
                request.getAsyncContext().addListener(new ReleaseAtEnd(release));
            } else {
                release.run();
            }
        }
    }

    /** The most of the budget the bodies of {@code caller} hold together. */
    private int shareBytes(String caller) {
        return caller.equals(NO_CALLER) ? anonymousBytes : callerBytes;
    }

    /**
     * How large the request's body may be: nothing for no body, otherwise its declared length or, for a
     * chunked body, {@code largest}.
     */
    private static long size(HttpServletRequest request, long largest) {
        long declared = request.getContentLengthLong();
        if (declared > 0) {
            return Math.min(declared, largest);
        }
        if (declared < 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            return largest;
        }
        return 0;
    }

    /**
     * Who sends the request, by its authentication, which the security filters before this one have set
     * ({@link CallerKey#of}): a bearer token's {@code sub}, a SCIM token's portfolio, a console session's user
     * by their user id, never by their address.
     */
    private static String caller() {
        return CallerKey.of(SecurityContextHolder.getContext().getAuthentication());
    }

    /** Whether the caller has an entry: a body of it is being handled, or waits for its bytes. */
    boolean counts(String caller) {
        return callers.tracks(caller);
    }

    /**
     * Takes the bytes from the caller's share, then those of a large body from {@code
     * max-body-bytes-in-flight}, then from the budget of all bodies, all within {@link #WAIT}; answers
     * the caller's bytes taken, or why not when it cannot, having taken nothing.
     */
    private Taken take(String caller, int callersBytes, int largeBytes, int bytes) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        PermitsPerKey<String>.Held share;
        try {
            share = callers.tryAcquire(caller, callersBytes, WAIT);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return new Taken(null, Refusal.BUDGET);
        }
        if (share == null) {
            return new Taken(null, Refusal.CALLER);
        }
        boolean tookLarge = false;
        try {
            tookLarge = largeBytes == 0 || budget.tryAcquire(largeBytes, remaining(deadline), TimeUnit.NANOSECONDS);
            if (tookLarge && allBodies.tryAcquire(bytes, remaining(deadline), TimeUnit.NANOSECONDS)) {
                return new Taken(share, null);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (tookLarge && largeBytes > 0) {
            budget.release(largeBytes);
        }
        share.release();
        return new Taken(null, Refusal.BUDGET);
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void refuse(
            HttpServletRequest request,
            HttpServletResponse response,
            Refusal refusal,
            String caller,
            boolean securityHeaders)
            throws IOException {
        String detail;
        if (refusal == Refusal.ANONYMOUS) {
            refusedByAnonymousShare.increment();
            if (firstThisMinute(warnedOfAnonymousAt)) {
                log.warn(
                        "Answering 503: the request bodies being handled of callers not signed in hold all of"
                                + " their share ({} bytes); logged once a minute at most, counted in"
                                + " bulk_requests_body_budget_refused_total{reason=\"anonymous\"}",
                        anonymousBytes);
            }
            detail = ANONYMOUS_BUSY;
        } else if (refusal == Refusal.CALLER) {
            refusedByCallerShare.increment();
            if (firstThisMinute(warnedOfCallerAt)) {
                log.warn(
                        "Answering 503: the request bodies being handled of the caller {} hold all of"
                                + " bulk.gateway.web.max-body-bytes-in-flight-per-caller ({} bytes); logged once a"
                                + " minute at most, counted in bulk_requests_body_budget_refused_total{reason=\"caller\"}",
                        caller,
                        callerBytes);
            }
            detail = CALLER_BUSY;
        } else {
            refusedByBudget.increment();
            if (firstThisMinute(warnedAt)) {
                log.warn(
                        "Answering 503: the request bodies being handled hold all of"
                                + " bulk.gateway.web.max-body-bytes-in-flight ({} bytes of large bodies, {} bytes of"
                                + " all bodies with the small bodies' reserve); logged once a minute at most,"
                                + " counted in bulk_requests_body_budget_refused_total{reason=\"budget\"}",
                        budgetBytes,
                        allBodiesBytes);
            }
            detail = BUSY;
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(WAIT.toSeconds()));
        filterRefusals.write(
                request,
                response,
                Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE, Problems.UNAVAILABLE, "Service unavailable", detail, List.of()),
                detail,
                securityHeaders);
    }

    private static boolean firstThisMinute(AtomicLong warnedAt) {
        long now = System.nanoTime();
        long warned = warnedAt.get();
        return now - warned >= WARN_EVERY_NANOS && warnedAt.compareAndSet(warned, now);
    }

    /**
     * Why a request is refused: the whole budget is held, the whole of its caller's share, or the whole
     * share of the requests without a known caller.
     */
    private enum Refusal {
        BUDGET,
        CALLER,
        ANONYMOUS
    }

    /**
     * What {@link #take} got: the caller's bytes, held with the budget's, or why none (then nothing is
     * held).
     */
    private record Taken(PermitsPerKey<String>.Held share, Refusal refusal) {}

    /** Gives the bytes back when an asynchronous request ends, however it ends. */
    private record ReleaseAtEnd(Runnable release) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onError(AsyncEvent event) {
            release.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // Started again: the listener must be added again to hear of its end.
            event.getAsyncContext().addListener(this);
        }
    }
}
