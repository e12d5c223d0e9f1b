package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfAuthenticationStrategy;
import org.springframework.security.web.csrf.CsrfTokenRepository;

/** Starts a console session for a signed-in administrator. */
final class ConsoleSession {

    /** The session cookie's name ({@code server.servlet.session.cookie.name}). */
    static final String COOKIE = "BULK_CONSOLE";

    private ConsoleSession() {}

    /**
     * Stores the administrator in a new session (a new id, so a planted session id is worthless) that
     * lasts {@code timeout} without a request: longer than a session before sign-in, so that a flood
     * of anonymous visits to the sign-in page leaves no stored session for long.
     *
     * <p>The session's CSRF token is renewed too: the session id changes but its attributes stay, so
     * the old token would otherwise let a form from a page of the earlier sign-in (another tab, signed
     * in as someone else) change something as this administrator. Spring Security renews it only
     * where its own login filter authenticates (the identity provider's sign-in, where this finds it
     * renewed already); the demo sign-in runs in a controller, past that.
     */
    static void start(
            ConsoleUser user,
            HttpServletRequest request,
            HttpServletResponse response,
            SecurityContextRepository repository,
            CsrfTokenRepository csrfTokens,
            Duration timeout) {
        request.getSession(true).setMaxInactiveInterval(Math.toIntExact(timeout.toSeconds()));
        request.changeSessionId();
        new CsrfAuthenticationStrategy(csrfTokens).onAuthentication(user, request, response);
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(user);
        SecurityContextHolder.setContext(context);
        repository.saveContext(context, request, response);
    }
}
