package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.time.Duration;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;

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
     * <p>A new session, not the same one under a new id: Spring Session JDBC changes an id in the
     * stored row of the session, and every request of the session that was under way (one that loaded
     * it before the sign-in and ends after it) writes the row back with the id it came with, signing
     * in whoever holds the earlier id (someone who planted it) and signing this browser out. The
     * earlier session and its row are deleted instead; only the invitation page to return to is carried
     * over ({@link SignInReturn}), so neither its CSRF token (a form from a page of an earlier sign-in,
     * in another tab, as someone else, changes nothing) nor anything else of it lasts. A session this
     * very request started is new already and is kept: the identity provider's login filter starts one
     * ({@code migrateSession}), with the provider's authorized client and a renewed CSRF token.
     */
    static void start(
            ConsoleUser user,
            HttpServletRequest request,
            HttpServletResponse response,
            SecurityContextRepository repository,
            Duration timeout) {
        HttpSession earlier = request.getSession(false);
        Object returnTo = null;
        if (earlier != null && !earlier.isNew()) {
            returnTo = earlier.getAttribute(SignInReturn.ATTRIBUTE);
            earlier.invalidate();
        }
        HttpSession session = request.getSession(true);
        if (returnTo != null) {
            session.setAttribute(SignInReturn.ATTRIBUTE, returnTo);
        }
        session.setMaxInactiveInterval(Math.toIntExact(timeout.toSeconds()));
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(user);
        SecurityContextHolder.setContext(context);
        repository.saveContext(context, request, response);
    }
}
