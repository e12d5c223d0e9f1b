package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.web.csrf.CsrfFilter;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;

/**
 * The console's CSRF tokens, kept in the session, except that a form sent without a session cookie
 * starts no session for its token. Such a form is refused anyway (no session, no token), and the
 * browser sends it without the cookie when another site's page submits it (the cookie is
 * {@code SameSite=Lax}); a session started for it would answer with a new cookie, which the browser
 * stores over the one its administrator is signed in with, signing them out.
 */
final class SessionCsrfTokens implements CsrfTokenRepository {

    private final HttpSessionCsrfTokenRepository session = new HttpSessionCsrfTokenRepository();

    @Override
    public CsrfToken generateToken(HttpServletRequest request) {
        return session.generateToken(request);
    }

    @Override
    public void saveToken(CsrfToken token, HttpServletRequest request, HttpServletResponse response) {
        if (token != null && withoutSession(request) && CsrfFilter.DEFAULT_CSRF_MATCHER.matches(request)) {
            return;
        }
        session.saveToken(token, request, response);
    }

    @Override
    public CsrfToken loadToken(HttpServletRequest request) {
        return session.loadToken(request);
    }

    /** No session cookie came with the request, and it has not started a session since. */
    static boolean withoutSession(HttpServletRequest request) {
        return request.getRequestedSessionId() == null && request.getSession(false) == null;
    }
}
