package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.ui.Model;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.client.RestClientException;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/**
 * The console's error pages: an API problem is shown as the API worded it; an expired or revoked
 * sign-in (the API answers 401) ends the session and asks to sign in again (back on the invitation
 * page, when it was one; the whole page, when htmx made the request, see {@link HtmxRedirects}); a
 * link whose id is not one is not valid (400), and so is a form without one of its fields, on the
 * console's page, not as the API's problem. An address no console page answers is shown by
 * {@link ConsoleRequestErrors}, an error the servlet container sends to the error page (a form too
 * large to read) by {@link ConsoleErrorPages}. Each is written in English, the console's language, and
 * says so ({@code Content-Language}), also on an invitation page, which set its invitation's language
 * for the request ({@link InvitationLanguage}): the error page has no translations.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {

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
     * The API did not answer (it is this gateway, so it is shutting down or overloaded). What the page
     * says about trying again depends on what was asked: a page (GET) changes nothing, and a form marked
     * {@link SafeToSendAgain} says why it may be sent again; any other form may have made its change
     * after the console gave up waiting (a SCIM token created, a secret rotated), and sent again it
     * would make it twice, so the page says to check first.
     */
    @ExceptionHandler(RestClientException.class)
    String unavailable(
            RestClientException ex,
            HandlerMethod handler,
            HttpServletRequest request,
            HttpServletResponse response,
            Model model) {
        response.setHeader("Retry-After", "5");
        SafeToSendAgain safe = handler == null ? null : handler.getMethodAnnotation(SafeToSendAgain.class);
        boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
        if (read || safe != null) {
            return errorPage(
                    request,
                    response,
                    HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    "Try again in a moment",
                    "The service did not answer in time. Try again: "
                            + (read ? "opening a page changes nothing." : safe.value() + "."),
                    model);
        }
        return errorPage(
                request,
                response,
                HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                "Check before you try again",
                "The service did not answer in time, so the change may have been made all the same. Open the"
                        + " page again and check its list before you try again.",
                model);
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
