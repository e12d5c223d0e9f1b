package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.ErrorPages;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.servlet.ModelAndView;

/**
 * The console's page for an error that the servlet container sends to the error page from a console
 * page (an address under {@code /console/}, or an invitation page), in place of the API's problem.
 * The one a person meets is a form larger than the servlet container reads
 * ({@code server.tomcat.max-http-form-post-size}): the CSRF check reads the form's fields before any
 * console handler, so it is refused there with 413, and the page says to split the list or to use
 * the API. A review whose Confirm would send such a form (it sends the reviewed request as JSON,
 * larger than the addresses typed) is refused the same way before it is shown
 * ({@link #requireConfirmable}), rather than at Confirm. The page is written in English, and says so
 * ({@code Content-Language}), also for an invitation page that failed after it had set its invitation's
 * language for the request ({@link InvitationLanguage}): the error page has no translations.
 */
@Component
class ConsoleErrorPages implements ErrorPages {

    static final String TOO_LARGE = "This list is too large for the console";

    /** Room for a Confirm form's other fields: the key, the signature and the CSRF token. */
    private static final int CONFIRM_FIELDS = 1024;

    private final long maxFormBytes;

    private final String tooLarge;

    ConsoleErrorPages(
            @Value("${server.tomcat.max-http-form-post-size:2MB}") DataSize maxForm,
            @Value("${bulk.gateway.web.max-request-body:5MB}") DataSize maxRequestBody) {
        this.maxFormBytes = maxForm.toBytes();
        this.tooLarge = "A console form may be at most " + size(maxForm) + ", so nothing was changed. Split the list"
                + " into smaller ones and review each in turn, or send it as one job through the API"
                + " (POST /api/v1/portfolios/{portfolioId}/bulk-jobs), which takes up to " + size(maxRequestBody)
                + ".";
    }

    @Override
    public ModelAndView page(HttpServletRequest request, String path, ProblemDetail problem) {
        boolean consolePage = path.equals("/console")
                || (path.startsWith("/console/") && !path.startsWith("/console/assets/"))
                || path.startsWith("/invitations/");
        if (!consolePage) {
            return null;
        }
        // In English, also where an invitation page had set its invitation's language before it failed.
        ConsoleLocaleResolver.use(request, null);
        if (problem.getStatus() == HttpStatus.CONTENT_TOO_LARGE.value()) {
            return ConsoleAdvice.errorPage(HttpStatus.CONTENT_TOO_LARGE, TOO_LARGE, tooLarge);
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
