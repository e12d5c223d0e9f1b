package com.portfoliobulk.gateway.console;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;

/**
 * Sending the browser to the sign-in page from a request htmx made (the Users search, the job's
 * progress panel). htmx's request would follow a plain redirect and swap the sign-in page into the
 * part of the page it updates, and push its address into the address bar; so such a request is
 * answered 401 with {@code HX-Redirect}, which sends the whole page there. Other requests get the
 * plain redirect.
 */
final class HtmxRedirects implements AuthenticationEntryPoint {

    /** The sign-in page after a session ended while a page was open. */
    static final String EXPIRED = ConsoleSecurityConfiguration.SIGN_IN + "?expired";

    private final LoginUrlAuthenticationEntryPoint signIn =
            new LoginUrlAuthenticationEntryPoint(ConsoleSecurityConfiguration.SIGN_IN);

    /** Whether htmx made the request. */
    static boolean fromHtmx(HttpServletRequest request) {
        return "true".equals(request.getHeader("HX-Request"));
    }

    /** Answers an htmx request so that the whole page goes to {@code path}: 401 with HX-Redirect. */
    static void redirectPage(HttpServletRequest request, HttpServletResponse response, String path) {
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader("HX-Redirect", request.getContextPath() + path);
    }

    /** Not signed in (any more): the sign-in page, for an htmx request saying that the sign-in expired. */
    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException notSignedIn)
            throws IOException, ServletException {
        if (fromHtmx(request)) {
            redirectPage(request, response, EXPIRED);
            return;
        }
        signIn.commence(request, response, notSignedIn);
    }
}
