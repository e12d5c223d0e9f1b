package com.portfoliobulk.gateway.web;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over {@code bulk.gateway.web.max-request-body} with 413: at once when the
 * declared length is too large, otherwise as soon as more bytes than allowed have been read (a
 * chunked body has no declared length), so an oversized body is never buffered whole. Both ways of
 * reading the body (stream and reader) are limited. Under the SCIM base path the 413 is a SCIM error
 * (the SCIM error page and {@code ScimErrorAdvice} write it), not a problem.
 *
 * <p>Under the SCIM base path the cap is {@code bulk.gateway.web.max-scim-request-body} (64 KiB;
 * never more than {@code max-request-body}). The SCIM endpoints read their bodies as a whole JSON tree,
 * whose members a SCIM body may have ever so many of (an unknown attribute is ignored, but only once
 * the tree is built): a tree of a 5 MB body of empty objects takes over 400 MB, far more than the 15
 * times its size that {@link RequestBodyBudget} assumes of a body, so that one caller's share of the
 * budget let it exhaust the heap. A User resource, a PatchOp or a SearchRequest an identity provider
 * sends is a few KB, its values bounded ({@code userName} 254 characters, {@code externalId} and {@code
 * displayName} 255, a filter 1,000); 64 KiB, more than ten times that, bounds such a tree to about 2 MB.
 * The budget counts a SCIM body {@value RequestBodyBudget#TREE_FACTOR} times its size (a chunked one
 * as the cap), in its caller's share like every other body; not over {@link
 * RequestBodyBudget#SMALL_BODY}, it is a small body, which large bodies holding all of theirs do not
 * hold up.
 *
 * <p>It also bounds how long a body may take to arrive: once the gateway has waited for a body's bytes
 * longer than {@code bulk.gateway.web.body-read-timeout} in all, the next bytes that come fail the read
 * ({@link RequestBodyTimeoutException}), which is answered 408. Without it, a caller sending a byte
 * now and then (each read waits up to the connection's own timeout, 60 s, for the next) would hold
 * its request, and the share of the request bodies' budget it took ({@link RequestBodyBudget}), for as
 * long as it liked. Only the time spent waiting for the client counts, not the time spent on what was
 * read.
 *
 * <p>It runs right after the filters that must see every request first (the request id, the HTTP
 * observation, the SCIM error page) and ahead of everything that could read a body: the console's
 * sessions, the security filters and Spring MVC. So an oversized body is refused before the caller
 * is authenticated, and no filter behind it reads more of a body than the limit. Its refusals carry
 * the security headers of the API's answers themselves, as the security filters never see them; on the
 * console's pages they are the console's error page ({@link FilterRefusals}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 3)
class RequestBodyLimit extends OncePerRequestFilter {

    private final long maxBytes;

    /** The cap under the SCIM base path. */
    private final long maxScimBytes;

    private final Duration readTimeout;

    private final FilterRefusals refusals;

    RequestBodyLimit(WebProperties properties, FilterRefusals refusals) {
        this.maxBytes = properties.maxRequestBody().toBytes();
        this.maxScimBytes = properties.scimBodyCap();
        if (maxScimBytes < 1) {
            throw new InvalidSettingException(
                    "bulk.gateway.web.max-scim-request-body",
                    "bulk.gateway.web.max-scim-request-body must be at least 1 byte",
                    "Set bulk.gateway.web.max-scim-request-body to a size of at least 1 byte, or leave it unset (64KB).");
        }
        this.readTimeout = properties.bodyReadTimeout();
        if (readTimeout == null || !readTimeout.isPositive()) {
            throw new InvalidSettingException(
                    "bulk.gateway.web.body-read-timeout",
                    "bulk.gateway.web.body-read-timeout must be more than 0",
                    "Set bulk.gateway.web.body-read-timeout to a positive duration, or leave it unset (30s).");
        }
        this.refusals = refusals;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = FilterRefusals.isScim(request) ? maxScimBytes : maxBytes;
        if (request.getContentLengthLong() > limit) {
            refusals.refuseBody(request, response, new RequestBodyTooLargeException(limit));
            return;
        }
        chain.doFilter(new LimitedRequest(request, limit, readTimeout), response);
    }

    static ProblemDetail tooLarge(long maxBytes) {
        return Problems.of(
                HttpStatus.CONTENT_TOO_LARGE,
                Problems.TOO_LARGE,
                "Request body too large",
                "The request body may be at most " + maxBytes + " bytes; split the work into several jobs.",
                List.of());
    }

    static ProblemDetail tooSlow(Duration timeout) {
        return Problems.of(
                HttpStatus.REQUEST_TIMEOUT,
                Problems.REQUEST_TIMEOUT,
                "Request body too slow",
                "The request body did not arrive within " + RequestBodyTimeoutException.seconds(timeout)
                        + " (bulk.gateway.web.body-read-timeout); nothing was changed: send the request again,"
                        + " with its whole body at once.",
                List.of());
    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long maxBytes;

        private final Duration readTimeout;

        private ServletInputStream limited;

        LimitedRequest(HttpServletRequest request, long maxBytes, Duration readTimeout) {
            super(request);
            this.maxBytes = maxBytes;
            this.readTimeout = readTimeout;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (limited == null) {
                limited = new LimitedInputStream(super.getInputStream(), maxBytes, readTimeout);
            }
            return limited;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            Charset charset;
            try {
                charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            } catch (IllegalArgumentException ex) {
                throw new UnsupportedEncodingException(encoding);
            }
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }

    private static final class LimitedInputStream extends ServletInputStream {

        private final ServletInputStream delegate;

        private final long maxBytes;

        private final Duration readTimeout;

        private long read;

        /** How long the reads have waited for the client, in all. */
        private long waitedNanos;

        LimitedInputStream(ServletInputStream delegate, long maxBytes, Duration readTimeout) {
            this.delegate = delegate;
            this.maxBytes = maxBytes;
            this.readTimeout = readTimeout;
        }

        @Override
        public int read() throws IOException {
            long start = System.nanoTime();
            int b = delegate.read();
            if (b >= 0) {
                count(1, System.nanoTime() - start);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            long start = System.nanoTime();
            int n = delegate.read(buffer, offset, length);
            if (n > 0) {
                count(n, System.nanoTime() - start);
            }
            return n;
        }

        /**
         * Counts {@code n} more bytes of the body, which a read waited {@code nanos} for: past the most
         * bytes, or the longest wait in all, the read fails.
         */
        private void count(int n, long nanos) throws IOException {
            read += n;
            if (read > maxBytes) {
                throw new RequestBodyTooLargeException(maxBytes);
            }
            waitedNanos += nanos;
            if (waitedNanos > readTimeout.toNanos()) {
                throw new RequestBodyTimeoutException(readTimeout);
            }
        }

        @Override
        public boolean isFinished() {
            return delegate.isFinished();
        }

        @Override
        public boolean isReady() {
            return delegate.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            delegate.setReadListener(listener);
        }
    }
}
