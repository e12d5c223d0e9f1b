package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.regex.Pattern;
import org.springframework.security.web.savedrequest.DefaultSavedRequest;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.security.web.savedrequest.RequestCache;
import org.springframework.security.web.savedrequest.SavedRequest;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Where a sign-in goes afterwards: back to the invitation page that sent the person to sign in (kept
 * in the session, across the identity provider's round trip), else the console. Only an invitation
 * page of this site is ever returned to, so no link can send a person elsewhere after signing in.
 */
final class SignInReturn {

    /** The invitation page, the one page a sign-in returns to. */
    static final String INVITATION_PAGE = "/invitations/{token}";

    private static final Pattern RETURNABLE = Pattern.compile("/invitations/[A-Za-z0-9_-]{1,128}");

    /** Keeps an unauthenticated request in the session only when it is for an invitation page. */
    static final RequestCache CACHE = cache();

    private SignInReturn() {}

    private static RequestCache cache() {
        HttpSessionRequestCache cache = new HttpSessionRequestCache();
        cache.setRequestMatcher(PathPatternRequestMatcher.withDefaults().matcher(INVITATION_PAGE));
        return cache;
    }

    /** Remembers the request's page to come back to after the next sign-in, if it is an invitation page. */
    static void remember(HttpServletRequest request, HttpServletResponse response) {
        CACHE.saveRequest(request, response);
    }

    /**
     * The path (within this application) to go to after signing in, forgetting it: the remembered
     * invitation page, else the console.
     */
    static String path(HttpServletRequest request, HttpServletResponse response) {
        SavedRequest saved = CACHE.getRequest(request, response);
        CACHE.removeRequest(request, response);
        if (saved instanceof DefaultSavedRequest page) {
            String uri = page.getRequestURI();
            String context = request.getContextPath();
            if (uri != null && uri.startsWith(context)) {
                String path = uri.substring(context.length());
                if (RETURNABLE.matcher(path).matches()) {
                    return path;
                }
            }
        }
        return "/console";
    }
}
