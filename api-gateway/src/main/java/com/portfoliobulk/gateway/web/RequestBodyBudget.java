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
 * Bounds the memory that the large request bodies being handled at once take, gateway-wide: a
 * request whose body may be large (a declared length over {@value #SMALL_BODY} bytes, or a chunked
 * body, counted as the largest allowed) takes its length from {@code
 * bulk.gateway.web.max-body-bytes-in-flight} (by default four bodies of the largest size) for as long
 * as it is handled, as reading, validating and storing a job hold memory in proportion to its body.
 * Under the SCIM base path the largest allowed is {@code bulk.gateway.web.max-scim-request-body}
 * ({@link RequestBodyLimit}), which by default is not over {@value #SMALL_BODY} bytes: a SCIM body,
 * chunked or not, then takes nothing, as it can never be large.
 * When the budget is used up, the request waits for it up to {@link #WAIT} and is then answered 503
 * with {@code Retry-After}, before anything reads its body or counts it in a rate limit, so nothing
 * is changed. Small bodies never wait. Without such a bound, every request of many callers (or of
 * one) could read its 5 MB body at once, and the heap they took together could end the gateway for
 * everyone.
 *
 * <p>One caller's large bodies together take at most {@code
 * bulk.gateway.web.max-body-bytes-in-flight-per-caller} (by default half of the budget); a request
 * that would take more waits for its caller's own to end, within the same {@link #WAIT}, and is then
 * answered the same 503. The caller is the authenticated subject: a bearer token's {@code sub}, a SCIM
 * token, a console session's user (by their user id, {@link CallerKey}: its log line names no address);
 * not the portfolio the path names, which anyone with a valid token
 * may name before a permission is checked (some endpoints read the body first), so that counting by
 * it would let one caller hold the shares of many portfolios, or use up another portfolio's. Without
 * it, one caller opening several connections (or reconnecting after each 408) held the whole budget,
 * and every other portfolio's large bodies were answered 503. A caller's entry is removed when none of
 * its requests holds or waits for a share, so the entries are never more than the large bodies being
 * handled.
 *
 * <p>The requests without a known caller (not signed in, or to an endpoint open to anyone) share one
 * smaller share, {@value #ANONYMOUS_SHARE_DIVISOR} times less than a caller's: none of the endpoints
 * open to them takes a large body, and they cannot hold more of the budget than that, however many
 * they are.
 *
 * <p>It runs right after the security filters, so that only authenticated requests take from the
 * budget as their caller's (one without a valid token is refused before its body is read, and cannot
 * hold the budget while it sends its body slowly), the caller is known, and the refusal carries the
 * security headers those filters write. An authenticated one that sends its body slowly holds its
 * share only until the body's read times out ({@code bulk.gateway.web.body-read-timeout}, {@link
 * RequestBodyLimit}: 408). A form body, which the security filters read themselves (the console's CSRF
 * check), takes from the budget before them instead ({@link RequestParameters}, through {@link #hold}).
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

    /** Bodies of at most this many bytes (declared) are handled without taking from the budget. */
    static final long SMALL_BODY = 64 * 1024;

    /** How long a request waits for the budget (and its caller's share) before it is answered 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    static final String BUSY = "The gateway is reading as many large request bodies as it may at once;"
            + " nothing was changed, try again shortly.";

    static final String CALLER_BUSY = "The gateway is reading as many large request bodies of yours as it reads"
            + " of one caller at once (bulk.gateway.web.max-body-bytes-in-flight-per-caller); nothing was changed,"
            + " try again shortly, once one of them is answered.";

    static final String ANONYMOUS_BUSY = "The gateway is reading as many large request bodies of callers not"
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

    private final Semaphore budget;

    private final int budgetBytes;

    private final int callerBytes;

    private final int anonymousBytes;

    private final long maxBody;

    /** The largest body under the SCIM base path ({@link RequestBodyLimit}). */
    private final long maxScimBody;

    /**
     * Each caller's share: an entry is added by the first large body of its caller being handled, or
     * waiting for its share, and removed with the last one.
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
        this.callers = new PermitsPerKey<>(this::shareBytes);
        this.maxBody = properties.maxRequestBody().toBytes();
        this.maxScimBody = properties.scimBodyCap();
        this.filterRefusals = filterRefusals;
        this.refusedByBudget = refusals(
                meters,
                "budget",
                "Requests with a large body answered 503 because the large bodies being handled used up"
                        + " bulk.gateway.web.max-body-bytes-in-flight");
        this.refusedByCallerShare = refusals(
                meters,
                "caller",
                "Requests with a large body answered 503 because their caller's large bodies being handled used up"
                        + " bulk.gateway.web.max-body-bytes-in-flight-per-caller");
        this.refusedByAnonymousShare = refusals(
                meters,
                "anonymous",
                "Requests with a large body answered 503 because the large bodies being handled of callers not"
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
     * caller's share until it ends, or answers 503 when they cannot be had within {@link #WAIT}; a small
     * body takes nothing. The filter itself then leaves the request alone.
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
        long size = size(request, FilterRefusals.isScim(request) ? Math.min(largest, maxScimBody) : largest);
        if (size == 0) {
            chain.doFilter(request, response);
            return;
        }
        request.setAttribute(HELD, Boolean.TRUE);
        // Never more than the whole budget or share, so that a request always gets in alone.
        int bytes = (int) Math.min(size, budgetBytes);
        int callersBytes = (int) Math.min(size, shareBytes(caller));
        Taken taken = take(caller, callersBytes, bytes);
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
                budget.release(bytes);
                share.release();
            }
        };
        try {
            chain.doFilter(request, response);
        } finally {
            if (request.isAsyncStarted()) {
                // The request goes on after this thread leaves it: its end gives the bytes back.
                request.getAsyncContext().addListener(new ReleaseAtEnd(release));
            } else {
                release.run();
            }
        }
    }

    /** The most of the budget the large bodies of {@code caller} hold together. */
    private int shareBytes(String caller) {
        return caller.equals(NO_CALLER) ? anonymousBytes : callerBytes;
    }

    /**
     * How large the request's body may be: nothing for a small (or no) body, otherwise its declared
     * length or, for a chunked body, {@code largest}; nothing either when {@code largest} is not over
     * {@link #SMALL_BODY}, as no body of the request can be large (a SCIM body, {@link RequestBodyLimit}).
     */
    private long size(HttpServletRequest request, long largest) {
        long declared = request.getContentLengthLong();
        long size;
        if (declared > SMALL_BODY) {
            size = Math.min(declared, largest);
        } else if (declared < 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            size = largest;
        } else {
            return 0;
        }
        return size > SMALL_BODY ? size : 0;
    }

    /**
     * Who sends the request, by its authentication, which the security filters before this one have set
     * ({@link CallerKey#of}): a bearer token's {@code sub}, a SCIM token's id, a console session's user
     * by their user id, never by their address.
     */
    private static String caller() {
        return CallerKey.of(SecurityContextHolder.getContext().getAuthentication());
    }

    /** Whether the caller has an entry: a large body of it is being handled, or waits for its bytes. */
    boolean counts(String caller) {
        return callers.tracks(caller);
    }

    /**
     * Takes the bytes from the caller's share, then from the budget, both within {@link #WAIT}; answers
     * the caller's bytes taken, or why not when it cannot, having taken nothing.
     */
    private Taken take(String caller, int callersBytes, int bytes) {
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
        try {
            if (budget.tryAcquire(bytes, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return new Taken(share, null);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        share.release();
        return new Taken(null, Refusal.BUDGET);
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
                        "Answering 503: the large request bodies being handled of callers not signed in hold all of"
                                + " their share ({} bytes); logged once a minute at most, counted in"
                                + " bulk_requests_body_budget_refused_total{reason=\"anonymous\"}",
                        anonymousBytes);
            }
            detail = ANONYMOUS_BUSY;
        } else if (refusal == Refusal.CALLER) {
            refusedByCallerShare.increment();
            if (firstThisMinute(warnedOfCallerAt)) {
                log.warn(
                        "Answering 503: the large request bodies being handled of the caller {} hold all of"
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
                        "Answering 503: the large request bodies being handled hold all of"
                                + " bulk.gateway.web.max-body-bytes-in-flight ({} bytes); logged once a minute at most,"
                                + " counted in bulk_requests_body_budget_refused_total{reason=\"budget\"}",
                        budgetBytes);
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
