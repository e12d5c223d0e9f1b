package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
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
     */
    static void start(
            ConsoleUser user,
            HttpServletRequest request,
            HttpServletResponse response,
            SecurityContextRepository repository,
            Duration timeout) {
        request.getSession(true).setMaxInactiveInterval(Math.toIntExact(timeout.toSeconds()));
        request.changeSessionId();
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(user);
        SecurityContextHolder.setContext(context);
        repository.saveContext(context, request, response);
    }
}
