package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.gateway.web.ProblemAdvice;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.UnstorableText;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import com.portfoliobulk.servicesupport.web.Outages;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.client.RestClientException;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.FlashMap;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.support.AbstractFlashMapManager;
import org.springframework.web.servlet.support.RequestContextUtils;

/**
 * The console's error pages: an API problem is shown as the API worded it; an expired or revoked
 * sign-in (the API answers 401) ends the session and asks to sign in again (back on the invitation
 * page, when it was one; the whole page, when htmx made the request, see {@link HtmxRedirects}); a
 * link whose id is not one is not valid (400), and so is a form without one of its fields, on the
 * console's page, not as the API's problem; and so is any other failure of a console page, its own
 * read of the database among them ({@link #failed}: 503 while the database is unavailable, else 500
 * with an error id). An address no console page answers is shown by
 * {@link ConsoleRequestErrors}, an error the servlet container sends to the error page (a form too
 * large to read) by {@link ConsoleErrorPages}. Each is written in English, the console's language, and
 * says so ({@code Content-Language}), also on an invitation page, which set its invitation's language
 * for the request ({@link InvitationLanguage}): the error page has no translations.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {

    private static final Logger log = LoggerFactory.getLogger(ConsoleAdvice.class);

    private static final Formats FORMATS = new Formats();

    @ModelAttribute("fmt")
    Formats formats() {
        return FORMATS;
    }

    @ExceptionHandler(ApiProblem.class)
    String apiProblem(ApiProblem problem, HttpServletRequest request, HttpServletResponse response, Model model) {
        ConsoleLocaleResolver.use(request, null);
        if (problem.status() == 401) {
            SecurityContextHolder.clearContext();
            if (request.getSession(false) != null) {
                request.getSession(false).invalidate();
            }
            if (HtmxRedirects.fromHtmx(request)) {
                HtmxRedirects.redirectPage(request, response, HtmxRedirects.EXPIRED);
                model.addAttribute("title", "Your sign-in has expired");
                model.addAttribute("detail", "Please sign in again.");
                return "console/error";
            }
            SignInReturn.remember(request, response);
            return "redirect:" + HtmxRedirects.EXPIRED;
        }
        response.setStatus(problem.status());
        model.addAttribute("title", problem.title());
        model.addAttribute("detail", problem.detail());
        model.addAttribute("errors", problem.errors());
        model.addAttribute("fmt", FORMATS);
        return "console/error";
    }

    /**
     * The API did not answer (it is this gateway, so it is shutting down or overloaded): 503, worded by
     * what was asked ({@link #tryAgain}).
     */
    @ExceptionHandler(RestClientException.class)
    String unavailable(
            RestClientException ex,
            HandlerMethod handler,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        return tryAgain("The service did not answer in time", handler, request, response, model);
    }

    /**
     * A failure of the console's own code, not the API's answer: a page reads the database itself (the
     * portfolio, the administrator's stored permissions, the names of accounts and jobs). A console page
     * all the same, never the API's problem: the database unavailable as the API takes it ({@link
     * Outages}: it cannot be reached, the pool has no connection to give, a failover ended the session, a
     * statement failed that a retry resolves) answers 503 with {@code Retry-After}, worded as when the API
     * did not answer ({@link #tryAgain}) and logged as the API logs it, one WARN line without a stack
     * trace; anything else is a defect, 500 quoting an error id, under which the log has the failure
     * ({@link InternalErrors}). Text the database cannot store (a {@code \u0000} typed into a form) is
     * refused 400, and so is a request a page cannot read ({@link ProblemAdvice#unreadable}: a header
     * value the firewall refuses, such as a browser language outside printable ASCII), naming the part,
     * and Spring MVC's own refusals have their status, as the API answers them. A page that
     * was to show something only once (a new SCIM token or signing secret, from the session's flash,
     * taken from it for this request) keeps it for the same page opened again ({@link #keepShownOnce}).
     * A client that went away is answered nothing ({@link DisconnectedClients}).
     */
    @ExceptionHandler(Exception.class)
    String failed(
            Exception ex,
            HandlerMethod handler,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        if (DisconnectedClients.wentAway(ex, request)) {
            return null;
        }
        String dependency = Outages.dependency(ex);
        if (dependency != null) {
            log.warn("Answering 503: {}", ex.toString());
            String page = tryAgain(
                    "The service cannot reach its " + dependency + " right now", handler, request, response, model);
            keepShownOnce(request, response, model);
            return page;
        }
        if (UnstorableText.isCause(ex)) {
            log.warn("Answering 400: the database refused text of the request ({})", ex.toString());
            return errorPage(
                    request,
                    response,
                    HttpServletResponse.SC_BAD_REQUEST,
                    "Invalid request",
                    UnstorableText.DETAIL,
                    model);
        }
        RequestRefusedException unreadable = ProblemAdvice.unreadable(ex);
        if (unreadable != null) {
            return refused(unreadable, request, response, model);
        }
        if (ex instanceof AccessDeniedException denied) {
            return errorPage(
                    request,
                    response,
                    HttpServletResponse.SC_FORBIDDEN,
                    "Permission denied",
                    denied.getMessage(),
                    model);
        }
        if (ex instanceof ErrorResponse refusal && !refusal.getStatusCode().is5xxServerError()) {
            int status = refusal.getStatusCode().value();
            String title = refusal.getBody().getTitle();
            String detail = refusal.getBody().getDetail();
            return errorPage(
                    request,
                    response,
                    status,
                    title == null ? "Refused" : title,
                    detail == null ? "The request cannot be answered: " + status + "." : detail,
                    model);
        }
        String page = errorPage(
                request,
                response,
                HttpServletResponse.SC_INTERNAL_SERVER_ERROR,
                InternalErrors.TITLE,
                InternalErrors.detail(InternalErrors.logged(ex)),
                model);
        keepShownOnce(request, response, model);
        return page;
    }

    /**
     * The 503 page of a request the service could not answer for now ({@code why}: "The service did not
     * answer in time"), with {@code Retry-After}. What it says about trying again depends on what was
     * asked: a page (GET) changes nothing, and a form marked {@link SafeToSendAgain} says why it may be
     * sent again; any other form may have made its change before the failure (the API went on after the
     * console gave up waiting: a SCIM token created, a secret rotated), and sent again it would make it
     * twice, so the page says to check first.
     */
    private static String tryAgain(
            String why, HandlerMethod handler, HttpServletRequest request, HttpServletResponse response, Model model) {
        response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(ProblemAdvice.UNAVAILABLE_RETRY_AFTER_SECONDS));
        SafeToSendAgain safe = handler == null ? null : handler.getMethodAnnotation(SafeToSendAgain.class);
        if (read(request) || safe != null) {
            return errorPage(
                    request,
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "Try again in a moment",
                    why + ". Try again: " + (read(request) ? "opening a page changes nothing." : safe.value() + "."),
                    model);
        }
        return errorPage(
                request,
                response,
                HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                "Check before you try again",
                why + ", so the change may have been made all the same. Open the page again and check its list"
                        + " before you try again.",
                model);
    }

    /**
     * Puts back what the page was to show only once, from the session's flash, which Spring MVC took from
     * the session for this request before it failed: the same page opened again (within the flash's
     * timeout) shows it, once. Only the session holds it meanwhile, sealed, as it did until this request.
     * The error page says so when it was a new SCIM token or signing secret.
     */
    private static void keepShownOnce(HttpServletRequest request, HttpServletResponse response, Model model) {
        Map<String, ?> shown = RequestContextUtils.getInputFlashMap(request);
        FlashMap kept = RequestContextUtils.getOutputFlashMap(request);
        if (!read(request) || shown == null || shown.isEmpty() || kept == null) {
            return;
        }
        kept.putAll(shown);
        RequestContextUtils.saveOutputFlashMap(request.getRequestURI(), request, response);
        if (shown.containsKey("newToken") || shown.containsKey("newSecret")) {
            model.addAttribute(
                    "detail",
                    model.getAttribute("detail") + " The new "
                            + (shown.containsKey("newToken") ? "SCIM token" : "signing secret")
                            + " this page was to show is kept for it: open the page again within "
                            + flashMinutes(request) + " to see it, once.");
        }
    }

    /**
     * A console form that may be sent again after the API did not answer it in time, with why (the end
     * of the error page's sentence "Try again: …"): it changes nothing, or the API makes its change once.
     */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @interface SafeToSendAgain {

        /** Why sending the form again is safe, e.g. "a review changes nothing until it is confirmed". */
        String value();
    }

    @ExceptionHandler(RequestRefusedException.class)
    String refused(RequestRefusedException ex, HttpServletRequest request, HttpServletResponse response, Model model) {
        return errorPage(request, response, ex.reason().status().value(), ex.title(), ex.getMessage(), model);
    }

    /** A form sent without one of its fields (changed, or made by hand): nothing is changed. */
    @ExceptionHandler(MissingServletRequestParameterException.class)
    String incompleteForm(
            MissingServletRequestParameterException ex,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        return errorPage(
                request,
                response,
                HttpServletResponse.SC_BAD_REQUEST,
                "This form is not complete",
                "The form came without its field '" + ex.getParameterName()
                        + "', so nothing was changed. Open the page again and send the form from there.",
                model);
    }

    /** A console address with a malformed id (a portfolio, user, account or job id that is not a UUID). */
    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    String invalidLink(
            MethodArgumentTypeMismatchException ex,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        return errorPage(
                request,
                response,
                HttpServletResponse.SC_BAD_REQUEST,
                "This link is not valid",
                "'" + ex.getValue() + "' is not a valid " + ex.getName()
                        + ": the link was cut short or changed. Open the page again from the console.",
                model);
    }

    /** Whether the request reads a page (GET, HEAD), which changes nothing, rather than sends a form. */
    private static boolean read(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    }

    /** How long the session's flash is kept for the page it was meant for: "30 minutes" ({@link ConsoleFlashMaps}). */
    private static String flashMinutes(HttpServletRequest request) {
        int seconds = RequestContextUtils.getFlashMapManager(request) instanceof AbstractFlashMapManager manager
                ? manager.getFlashMapTimeout()
                : Math.toIntExact(ConsoleFlashMaps.TIMEOUT.toSeconds());
        int minutes = Math.max(1, seconds / 60);
        return minutes == 1 ? "a minute" : minutes + " minutes";
    }

    /** The console's error page with this status, title and detail, where no handler method answers. */
    static ModelAndView errorPage(HttpStatus status, String title, String detail) {
        return new ModelAndView("console/error", Map.of("title", title, "detail", detail, "fmt", FORMATS), status);
    }

    /** The console's error page with this status, title and detail, in the console's language. */
    private static String errorPage(
            HttpServletRequest request,
            HttpServletResponse response,
            int status,
            String title,
            String detail,
            Model model) {
        ConsoleLocaleResolver.use(request, null);
        response.setStatus(status);
        model.addAttribute("title", title);
        model.addAttribute("detail", detail);
        model.addAttribute("fmt", FORMATS);
        return "console/error";
    }
}
