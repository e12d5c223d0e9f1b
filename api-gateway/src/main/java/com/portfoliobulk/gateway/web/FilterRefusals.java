package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter.XFrameOptionsMode;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answer of a request a servlet filter refuses before any controller sees it (a body too large or
 * too slow, the request bodies' budget used up): a problem; under the SCIM base path a SCIM error, which
 * the SCIM error page writes; on the paths whose {@link ErrorPages} has pages (the web console's, where a
 * person reads the answer) that page, which the error page answers with the problem ({@link
 * ProblemErrorController}), as it answers the errors the container sends there. The security firewall's
 * refusals on those paths are that page too, for a client that reads HTML ({@link #answeredAsPage}).
 */
@Component
public class FilterRefusals {

    /** Where the SCIM endpoints are, which answer errors in SCIM's format instead of problems. */
    private static final String SCIM_PATHS = "/scim/v2/";

    /**
     * The request attribute of the problem a filter refused the request with, for the error page to
     * answer as a page.
     */
    static final String PROBLEM = FilterRefusals.class.getName() + ".PROBLEM";

    /**
     * The headers the API's and the SCIM endpoints' security filter chains write on every answer
     * ({@code SecurityConfiguration}, {@code ScimSecurityConfiguration}), with the same writers.
     */
    private static final List<HeaderWriter> SECURITY_HEADERS = List.of(
            new XContentTypeOptionsHeaderWriter(),
            new CacheControlHeadersWriter(),
            new HstsHeaderWriter(),
            new XFrameOptionsHeaderWriter(XFrameOptionsMode.DENY),
            new XXssProtectionHeaderWriter(),
            new ReferrerPolicyHeaderWriter(ReferrerPolicy.NO_REFERRER),
            new StaticHeadersWriter("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"));

    private final List<ErrorPages> pages;

    private final JsonMapper json;

    FilterRefusals(List<ErrorPages> pages, JsonMapper json) {
        this.pages = List.copyOf(pages);
        this.json = json;
    }

    /**
     * Whether the request is under the SCIM base path, as it was sent or as it is decoded: {@code
     * /%73cim/v2/...} reaches the SCIM endpoints too.
     */
    static boolean isScim(HttpServletRequest request) {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return path.startsWith(SCIM_PATHS) || request.getRequestURI().startsWith(request.getContextPath() + SCIM_PATHS);
    }

    /**
     * Answers {@code problem}: on a SCIM path its status with {@code scimDetail}; on a path with pages of
     * its own, the page of the problem, by the error page (whose dispatch no security filter writes
     * headers on: a page's are its own where they differ from the API's).
     *
     * @param securityHeaders whether to write the security headers of the API's answers: refused before
     *     the security filters, which write them on every other answer
     */
    void write(
            HttpServletRequest request,
            HttpServletResponse response,
            ProblemDetail problem,
            String scimDetail,
            boolean securityHeaders)
            throws IOException {
        if (isScim(request)) {
            if (securityHeaders) {
                writeSecurityHeaders(request, response);
            }
            response.sendError(problem.getStatus(), scimDetail);
            return;
        }
        ErrorPages owner = pagesOf(request);
        if (owner != null) {
            if (securityHeaders) {
                owner.securityHeaders().forEach(response::setHeader);
                writeSecurityHeaders(request, response);
            }
            request.setAttribute(PROBLEM, problem);
            response.sendError(problem.getStatus());
            return;
        }
        if (securityHeaders) {
            writeSecurityHeaders(request, response);
        }
        Problems.setInstance(problem, request.getRequestURI());
        RequestIds.addTo(problem, request);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    /**
     * Answers {@code problem}, a refusal of the security firewall before any endpoint is chosen (a header
     * value it cannot read, a path or method it does not allow), as the page of a path with pages of its
     * own (the console's, where a person reads the answer) when the client reads HTML, by the error page,
     * with that page's security headers (as {@link #write} does); a console handler refuses a header it
     * cannot read with that page too. Elsewhere (the API, the SCIM endpoints, a client asking for JSON
     * only) it writes nothing and answers {@code false}: the caller answers the problem.
     */
    public boolean answeredAsPage(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        if (isScim(request) || pagesOf(request) == null || !readsHtml(request)) {
            return false;
        }
        write(request, response, problem, null, true);
        return true;
    }

    /**
     * Whether the client takes an HTML answer: its {@code Accept} names {@code text/html}, or a range
     * that holds it ({@code text/*}, {@code *}{@code /*}), with a quality above 0, or it sends no
     * {@code Accept} at all (RFC 9110: any type). One that cannot be read (the header the firewall refused,
     * say) takes the problem, which names it.
     */
    static boolean readsHtml(HttpServletRequest request) {
        List<String> accept = Collections.list(request.getHeaders(HttpHeaders.ACCEPT));
        if (accept.isEmpty()) {
            return true;
        }
        try {
            return MediaType.parseMediaTypes(accept).stream()
                    .anyMatch(type -> type.includes(MediaType.TEXT_HTML) && type.getQualityValue() > 0);
        } catch (InvalidMediaTypeException ex) {
            return false;
        }
    }

    /**
     * Answers a body too large (413) or too slow (408) before the security filters have run, as {@link
     * #write} does, with the security headers of the API's answers on a problem or a SCIM error.
     */
    void refuseBody(HttpServletRequest request, HttpServletResponse response, IOException refusal) throws IOException {
        switch (refusal) {
            case RequestBodyTooLargeException tooLarge ->
                write(
                        request,
                        response,
                        RequestBodyLimit.tooLarge(tooLarge.maxBytes()),
                        RequestBodyTooLargeException.shortDetail(tooLarge.maxBytes()),
                        true);
            case RequestBodyTimeoutException tooSlow ->
                write(
                        request,
                        response,
                        RequestBodyLimit.tooSlow(tooSlow.timeout()),
                        RequestBodyTimeoutException.shortDetail(tooSlow.timeout()),
                        true);
            default -> throw refusal;
        }
    }

    /**
     * The {@link ErrorPages} with pages for the request's path, as the error page finds it; {@code null}
     * for none.
     */
    private ErrorPages pagesOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String path = uri.startsWith(context) ? uri.substring(context.length()) : uri;
        return pages.stream().filter(owner -> owner.hasPages(path)).findFirst().orElse(null);
    }

    /**
     * Writes the headers the API's security filter chains write on every answer, on one answered before
     * those filters run (but those it has already).
     */
    private static void writeSecurityHeaders(HttpServletRequest request, HttpServletResponse response) {
        SECURITY_HEADERS.forEach(writer -> writer.writeHeaders(request, response));
    }
}
