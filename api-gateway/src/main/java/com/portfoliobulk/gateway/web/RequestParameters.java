package com.portfoliobulk.gateway.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.apache.tomcat.util.http.Parameters;
import org.apache.tomcat.util.http.parser.MediaType;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterProperties;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads a form's body (a POST of {@code application/x-www-form-urlencoded}, whose fields the servlet
 * container parses when they are first asked for) by the rules of every other body, before the
 * security filters ask for its fields: the console's CSRF check reads a form's token on every POST,
 * before it is known whether anyone signed in. The body is read through {@link RequestBodyLimit}'s
 * stream, so one that takes longer than {@code bulk.gateway.web.body-read-timeout} is answered 408, and
 * every one, small or large, first takes its bytes (its declared length, or for a chunked one the
 * largest form) from the request bodies' budget as its sender's ({@link RequestBodyBudget#hold}): the
 * console's signed-in user ({@link FormCallers}), or the small share of the requests without a known
 * caller (2.5 MB by default: 40 forms of 64 KiB). Before, a form of up to {@value
 * RequestBodyBudget#SMALL_BODY} bytes took nothing: any number of them, sent slowly by someone not
 * signed in, were read at once. The request goes on with its fields parsed from the bytes read, the
 * query string's first.
 *
 * <p>Without it, the container read the form itself when the CSRF check asked: it took an array of the
 * whole declared length at once (up to {@code server.tomcat.max-http-form-post-size}, 2 MB) and read into
 * it with no deadline but the connection's own timeout per read, counted in no budget. A few hundred
 * connections sending such a form's head and then a byte now and then held a gigabyte, and the heap ran
 * out for every request.
 *
 * <p>A form declared larger than {@code server.tomcat.max-http-form-post-size} is not read: the
 * container refuses it unread (413) when its fields are asked for, as before; a chunked one that grows
 * past it is refused the same way.
 *
 * <p>Every request's parameters, a form's or not, are counted when they are first asked for: more than
 * {@code server.tomcat.max-parameter-count}, the query string's and the form's fields together, fail
 * with {@link TooManyParametersException}, which the answers tell apart from a query string that does
 * not decode (the container's refusal of either is the same exception).
 */
@Component
@Order(SecurityFilterProperties.DEFAULT_FILTER_ORDER - 1)
class RequestParameters extends OncePerRequestFilter {

    /** The media type of a form, as the container names it ({@link MediaType#parseMediaTypeOnly}). */
    private static final String FORM = "application/x-www-form-urlencoded";

    private final RequestBodyBudget budget;

    private final ObjectProvider<FormCallers> callers;

    private final FilterRefusals refusals;

    /** The largest form read: {@code server.tomcat.max-http-form-post-size}, within the largest body. */
    private final int maxFormBytes;

    private final int maxParameterCount;

    RequestParameters(
            RequestBodyBudget budget,
            ObjectProvider<FormCallers> callers,
            FilterRefusals refusals,
            WebProperties properties,
            @Value("${server.tomcat.max-http-form-post-size:2MB}") DataSize maxForm,
            @Value("${server.tomcat.max-parameter-count:1000}") int maxParameterCount) {
        this.budget = budget;
        this.callers = callers;
        this.refusals = refusals;
        long maxBody = properties.maxRequestBody().toBytes();
        long form = maxForm.toBytes() < 0 ? maxBody : Math.min(maxForm.toBytes(), maxBody);
        this.maxFormBytes = (int) Math.min(form, Integer.MAX_VALUE - 8);
        this.maxParameterCount = maxParameterCount;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long declared = request.getContentLengthLong();
        boolean body = declared > 0 || (declared < 0 && request.getHeader("Transfer-Encoding") != null);
        if (!body || declared > maxFormBytes || !isForm(request)) {
            chain.doFilter(new CountedRequest(request, null, maxFormBytes, maxParameterCount), response);
            return;
        }
        budget.hold(request, response, caller(request), maxFormBytes, true, (held, answer) -> {
            HttpServletRequest form = (HttpServletRequest) held;
            HttpServletResponse formAnswer = (HttpServletResponse) answer;
            byte[] bytes;
            try {
                bytes = form.getInputStream().readNBytes(maxFormBytes + 1);
            } catch (RequestBodyTimeoutException | RequestBodyTooLargeException refusal) {
                refusals.refuseBody(form, formAnswer, refusal);
                return;
            }
            chain.doFilter(new CountedRequest(form, bytes, maxFormBytes, maxParameterCount), formAnswer);
        });
    }

    /**
     * A POST whose body is a form, which the container parses for its fields: decided as the container
     * decides it, by the media type alone (the {@code Content-Type} up to its first {@code ;}, trimmed,
     * in any case), whatever its parameters. A stricter parser (Spring's refuses {@code
     * application/x-www-form-urlencoded; a=}, or a charset that does not exist) left such a form to the
     * container, which read it whole when the CSRF check asked for its token, with no deadline and in no
     * budget. A multipart body is not read for its fields: no servlet has a multipart configuration
     * ({@code spring.servlet.multipart.enabled} is off), so the container finds no parts in it.
     */
    private static boolean isForm(HttpServletRequest request) {
        return HttpMethod.POST.matches(request.getMethod())
                && FORM.equals(MediaType.parseMediaTypeOnly(request.getContentType()));
    }

    /** Who sends the form, where known before the security filters; otherwise no one known. */
    private String caller(HttpServletRequest request) {
        return callers.orderedStream()
                .map(known -> known.caller(request))
                .filter(caller -> caller != null && !caller.isEmpty())
                .findFirst()
                .orElse(RequestBodyBudget.NO_CALLER);
    }

    /**
     * A request whose parameters are counted when first asked for: no more than {@code
     * server.tomcat.max-parameter-count}, the query string's and the form's together. A form request whose
     * body was read has the query string's (the container's, which parses no more than that once the body
     * was read) followed by those of the bytes read, parsed as the container parses them; any other
     * request, the container's.
     */
    private static final class CountedRequest extends HttpServletRequestWrapper {

        private final int maxFormBytes;

        private final int maxParameterCount;

        /** The form's body read, until its fields are parsed; {@code null} for none read. */
        private byte[] body;

        private final boolean form;

        private Map<String, String[]> parameters;

        private RuntimeException failure;

        CountedRequest(HttpServletRequest request, byte[] body, int maxFormBytes, int maxParameterCount) {
            super(request);
            this.body = body;
            this.form = body != null;
            this.maxFormBytes = maxFormBytes;
            this.maxParameterCount = maxParameterCount;
        }

        @Override
        public String getParameter(String name) {
            String[] values = parameters().get(name);
            return values == null ? null : values[0];
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return parameters();
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(parameters().keySet());
        }

        @Override
        public String[] getParameterValues(String name) {
            String[] values = parameters().get(name);
            return values == null ? null : values.clone();
        }

        private Map<String, String[]> parameters() {
            if (failure != null) {
                throw failure;
            }
            if (parameters == null) {
                try {
                    parameters = parse();
                } catch (RuntimeException ex) {
                    failure = ex;
                    throw ex;
                } finally {
                    body = null;
                }
            }
            return parameters;
        }

        private Map<String, String[]> parse() {
            if (maxParameterCount >= 0 && count(getQueryString()) + (form ? count(body) : 0) > maxParameterCount) {
                throw new TooManyParametersException(maxParameterCount);
            }
            if (!form) {
                return super.getParameterMap();
            }
            if (body.length > maxFormBytes) {
                // A chunked form that grew past the largest: the container's refusal of a form too large.
                throw new InvalidParameterException(
                        "The form is larger than " + maxFormBytes + " bytes", HttpStatus.CONTENT_TOO_LARGE.value());
            }
            Map<String, String[]> query = super.getParameterMap();
            Parameters fields = new Parameters();
            fields.setCharset(charset());
            fields.processParameters(body, 0, body.length);
            Map<String, String[]> all = new LinkedHashMap<>(query);
            for (String name : Collections.list(fields.getParameterNames())) {
                String[] values = fields.getParameterValues(name);
                all.merge(name, values, (first, then) -> {
                    String[] both = Arrays.copyOf(first, first.length + then.length);
                    System.arraycopy(then, 0, both, first.length, then.length);
                    return both;
                });
            }
            return Collections.unmodifiableMap(all);
        }

        /**
         * How many parameters the container finds in {@code encoded} (a query string): its fields between
         * {@code &}, but the empty ones.
         */
        private static int count(String encoded) {
            return encoded == null ? 0 : count(encoded.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** How many parameters the container finds in a form's bytes, as in a query string. */
        private static int count(byte[] encoded) {
            int count = 0;
            boolean field = false;
            for (byte b : encoded) {
                if (b == '&') {
                    field = false;
                } else if (!field) {
                    field = true;
                    count++;
                }
            }
            return count;
        }

        /** The form's character set: the request's (UTF-8 unless it names another that exists). */
        private Charset charset() {
            String encoding = getCharacterEncoding();
            if (encoding != null) {
                try {
                    return Charset.forName(encoding);
                } catch (IllegalCharsetNameException | UnsupportedCharsetException ex) {
                    // As a form without one.
                }
            }
            return StandardCharsets.UTF_8;
        }
    }
}
