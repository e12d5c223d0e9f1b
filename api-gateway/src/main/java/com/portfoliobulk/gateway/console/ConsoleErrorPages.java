package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.ErrorPages;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.TooManyParametersException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.servlet.ModelAndView;

/**
 * The console's page for an error that the servlet container sends to the error page from a console
 * page (an address under {@code /console/}, or an invitation page), in place of the API's problem.
 * The one a person meets is a form larger than the servlet container reads
 * ({@code server.tomcat.max-http-form-post-size}): the CSRF check reads the form's fields before any
 * console handler, so it is refused there with 413, and the page says to split the list or to use
 * the API. A form with more fields than the gateway reads ({@code server.tomcat.max-parameter-count},
 * which the CSRF check finds the same way) has a page saying so ({@link #tooManyFields}); the gateway
 * does not start with a limit below the largest form the console's settings let it show. A review
 * whose Confirm would send a form too large (it sends the reviewed request as JSON, larger than the
 * addresses typed) is refused the same way before it is shown
 * ({@link #requireConfirmable}), rather than at Confirm. The page is written in English, and says so
 * ({@code Content-Language}), also for an invitation page that failed after it had set its invitation's
 * language for the request ({@link InvitationLanguage}): the error page has no translations. A form
 * the gateway refuses before the security filters, reading it itself (too slow: 408; the request bodies'
 * budget held: 503 with {@code Retry-After}; a body over {@code bulk.gateway.web.max-request-body}: 413),
 * answers this page too, of the problem the API words, with the console's security headers ({@link
 * #securityHeaders}).
 */
@Component
class ConsoleErrorPages implements ErrorPages {

    static final String TOO_LARGE = "This list is too large for the console";

    static final String TOO_MANY_FIELDS = "This form has too many fields";

    /** The fields of a form besides those of its lists: the CSRF token, the action, the role... */
    private static final int OTHER_FIELDS = 16;

    /** Room for a Confirm form's other fields: the key, the signature and the CSRF token. */
    private static final int CONFIRM_FIELDS = 1024;

    private final long maxFormBytes;

    private final String tooLarge;

    ConsoleErrorPages(
            @Value("${server.tomcat.max-http-form-post-size:2MB}") DataSize maxForm,
            @Value("${bulk.gateway.web.max-request-body:5MB}") DataSize maxRequestBody,
            @Value("${server.tomcat.max-parameter-count:1000}") int maxParameterCount,
            ConsoleProperties properties) {
        int largestForm = largestForm(properties);
        if (maxParameterCount >= 0 && maxParameterCount < largestForm) {
            throw new IllegalStateException("server.tomcat.max-parameter-count is " + maxParameterCount
                    + "; the console's largest form has up to " + largestForm + " fields with"
                    + " bulk.gateway.console.page-size " + properties.pageSize() + " and .account-choices "
                    + properties.accountChoices() + ", so it must be at least that (or -1 for no limit),"
                    + " or its forms are refused");
        }
        this.maxFormBytes = maxForm.toBytes();
        this.tooLarge = "A console form may be at most " + size(maxForm) + ", so nothing was changed. Split the list"
                + " into smaller ones and review each in turn, or send it as one job through the API"
                + " (POST /api/v1/portfolios/{portfolioId}/bulk-jobs), which takes up to " + size(maxRequestBody)
                + ".";
    }

    /**
     * The most fields a console form may send with these settings: the Users page's bulk bar (a user per
     * row, an account per choice), or an invitation refused and offered to correct (each account chosen
     * and each offered, up to twice the choices, with a role on each), and their other fields. An account
     * list holds at most {@code account-choices} accounts, also when they were ticked over several "Find
     * accounts by name" searches ({@link ConsolePages#accountList}); so does the bulk bar's form a review
     * offers back, as it was sent. "Find accounts by name" itself sends the ticked accounts of two lists
     * and a role on each invited one: at most three times the choices.
     */
    static int largestForm(ConsoleProperties properties) {
        return Math.max(properties.pageSize() + properties.accountChoices(), 4 * properties.accountChoices())
                + OTHER_FIELDS;
    }

    /** The page of a console form (or address) with more fields than the gateway reads. */
    static ModelAndView tooManyFields(TooManyParametersException ex) {
        return ConsoleAdvice.errorPage(
                HttpStatus.BAD_REQUEST,
                TOO_MANY_FIELDS,
                "A console form may send at most " + ex.limit() + " fields (server.tomcat.max-parameter-count),"
                        + " so nothing was changed. Choose fewer users or accounts at once, or open the page again"
                        + " from the console.");
    }

    @Override
    public boolean hasPages(String path) {
        return path.equals("/console")
                || (path.startsWith("/console/") && !path.startsWith("/console/assets/"))
                || path.startsWith("/invitations/");
    }

    /** The console's own: its pages' styles and scripts, and the referrer within the console. */
    @Override
    public Map<String, String> securityHeaders() {
        return Map.of(
                "Content-Security-Policy",
                ConsoleSecurityConfiguration.CONSOLE_CONTENT_SECURITY_POLICY,
                "Referrer-Policy",
                ReferrerPolicy.SAME_ORIGIN.getPolicy());
    }

    @Override
    public ModelAndView page(HttpServletRequest request, String path, ProblemDetail problem) {
        if (!hasPages(path)) {
            return null;
        }
        // In English, also where an invitation page had set its invitation's language before it failed.
        ConsoleLocaleResolver.use(request, null);
        if (problem.getStatus() == HttpStatus.CONTENT_TOO_LARGE.value()) {
            return ConsoleAdvice.errorPage(HttpStatus.CONTENT_TOO_LARGE, TOO_LARGE, tooLarge);
        }
        TooManyParametersException tooMany =
                TooManyParametersException.in(request.getAttribute(RequestDispatcher.ERROR_EXCEPTION));
        if (tooMany != null) {
            return tooManyFields(tooMany);
        }
        return ConsoleAdvice.errorPage(
                HttpStatus.valueOf(problem.getStatus()), problem.getTitle(), problem.getDetail());
    }

    /**
     * Refuses (413) a review of {@code request} whose Confirm form would be larger than a form may be,
     * so that no review is shown that cannot be confirmed.
     */
    void requireConfirmable(String request) {
        if (maxFormBytes >= 0
                && URLEncoder.encode(request, StandardCharsets.UTF_8).length() + CONFIRM_FIELDS > maxFormBytes) {
            throw new RequestRefusedException(RequestRefusedException.Reason.TOO_LARGE, TOO_LARGE, tooLarge);
        }
    }

    private static String size(DataSize size) {
        long bytes = size.toBytes();
        if (bytes % DataSize.ofMegabytes(1).toBytes() == 0) {
            return size.toMegabytes() + " MB";
        }
        return bytes % DataSize.ofKilobytes(1).toBytes() == 0 ? size.toKilobytes() + " KB" : bytes + " bytes";
    }
}
