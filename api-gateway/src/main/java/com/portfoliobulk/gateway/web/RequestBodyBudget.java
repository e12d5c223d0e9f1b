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
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bounds the memory that the large request bodies being handled at once take, gateway-wide: a
 * request whose body may be large (a declared length over {@value #SMALL_BODY} bytes, or a chunked
 * body, counted as the largest allowed) takes its length from {@code
 * bulk.gateway.web.max-body-bytes-in-flight} (by default four bodies of the largest size) for as long
 * as it is handled, as reading, validating and storing a job hold memory in proportion to its body.
 * When the budget is used up, the request waits for it up to {@link #WAIT} and is then answered 503
 * with {@code Retry-After}, before anything reads its body or counts it in a rate limit, so nothing
 * is changed. Small bodies never wait. Without such a bound, every request of many callers (or of
 * one) could read its 5 MB body at once, and the heap they took together could end the gateway for
 * everyone.
 *
 * <p>It runs right after the security filters, so that only authenticated requests take from the
 * budget (one without a valid token is refused before its body is read, and cannot hold the budget
 * while it sends its body slowly), and the refusal carries the security headers those filters
 * write. An authenticated one that sends its body slowly holds its share only until the body's read
 * times out ({@code bulk.gateway.web.body-read-timeout}, {@link RequestBodyLimit}: 408). Under the SCIM base path the 503 is a SCIM error (the SCIM error page writes it), not a
 * problem. Refusals count in {@code bulk_requests_body_budget_refused_total}.
 */
@Component
@Order(SecurityFilterProperties.DEFAULT_FILTER_ORDER + 1)
class RequestBodyBudget extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(RequestBodyBudget.class);

    /** Bodies of at most this many bytes (declared) are handled without taking from the budget. */
    static final long SMALL_BODY = 64 * 1024;

    /** How long a request waits for the budget before it is answered 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    static final String BUSY = "The gateway is reading as many large request bodies as it may at once;"
            + " nothing was changed, try again shortly.";

    private final Semaphore budget;

    private final int budgetBytes;

    private final long maxBody;

    private final JsonMapper json;

    private final Counter refused;

    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    RequestBodyBudget(WebProperties properties, JsonMapper json, MeterRegistry meters) {
        long bytes = properties.maxBodyBytesInFlight().toBytes();
        if (bytes <= 0) {
            throw new IllegalStateException("bulk.gateway.web.max-body-bytes-in-flight must be more than 0 bytes");
        }
        this.budgetBytes = (int) Math.min(bytes, Integer.MAX_VALUE);
        this.budget = new Semaphore(budgetBytes, true);
        this.maxBody = properties.maxRequestBody().toBytes();
        this.json = json;
        this.refused = Counter.builder("bulk.requests.body.budget.refused")
                .description("Requests with a large body answered 503 because the large bodies being handled"
                        + " used up bulk.gateway.web.max-body-bytes-in-flight")
                .register(meters);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int bytes = share(request);
        if (bytes == 0) {
            chain.doFilter(request, response);
            return;
        }
        if (!take(bytes)) {
            refuse(request, response);
            return;
        }
        AtomicBoolean held = new AtomicBoolean(true);
        Runnable release = () -> {
            if (held.getAndSet(false)) {
                budget.release(bytes);
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

    /**
     * What the request takes from the budget: nothing for a small (or no) body, otherwise its declared
     * length or, for a chunked body, the largest allowed; never more than the whole budget, so that a
     * request always gets in alone.
     */
    private int share(HttpServletRequest request) {
        long declared = request.getContentLengthLong();
        long bytes;
        if (declared > SMALL_BODY) {
            bytes = Math.min(declared, maxBody);
        } else if (declared < 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            bytes = maxBody;
        } else {
            return 0;
        }
        return (int) Math.min(bytes, budgetBytes);
    }

    private boolean take(int bytes) {
        try {
            return budget.tryAcquire(bytes, WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response) throws IOException {
        refused.increment();
        long now = System.nanoTime();
        long warned = warnedAt.get();
        if (now - warned >= WARN_EVERY_NANOS && warnedAt.compareAndSet(warned, now)) {
            log.warn(
                    "Answering 503: the large request bodies being handled hold all of"
                            + " bulk.gateway.web.max-body-bytes-in-flight ({} bytes); logged once a minute at most,"
                            + " counted in bulk_requests_body_budget_refused_total",
                    budgetBytes);
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(WAIT.toSeconds()));
        FilterRefusals.write(
                request,
                response,
                json,
                Problems.of(
                        HttpStatus.SERVICE_UNAVAILABLE, Problems.UNAVAILABLE, "Service unavailable", BUSY, List.of()),
                BUSY);
    }

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
