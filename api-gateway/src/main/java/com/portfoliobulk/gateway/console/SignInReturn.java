package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.util.regex.Pattern;
import org.springframework.security.web.savedrequest.RequestCache;
import org.springframework.security.web.savedrequest.SavedRequest;
import org.springframework.security.web.savedrequest.SimpleSavedRequest;

/**
 * Where a sign-in goes afterwards: back to the invitation page that sent the person to sign in (kept
 * in the session, across the identity provider's round trip), else the console. Only an invitation
 * page of this site is ever returned to, so no link can send a person elsewhere after signing in.
 *
 * <p>The session keeps the page's path alone, a short string checked before it is stored, never a
 * copy of the request: such a copy holds every header, cookie and form field, and the session of a
 * request that is not signed in is stored in PostgreSQL for 30 minutes, so a form of 2 MB posted to
 * an invitation page by anyone stored 2 MB.
 */
final class SignInReturn {

    /** The invitation page, the one page a sign-in returns to. */
    static final String INVITATION_PAGE = "/invitations/{token}";

    /** The session attribute that holds the path to return to. */
    static final String ATTRIBUTE = SignInReturn.class.getName() + ".PATH";

    private static final Pattern RETURNABLE = Pattern.compile("/invitations/[A-Za-z0-9_-]{1,128}");

    /** Keeps the path of an unauthenticated request in the session only when it is an invitation page. */
    static final RequestCache CACHE = new PathOnly();

    private SignInReturn() {}

    /** Remembers the request's page to come back to after the next sign-in, if it is an invitation page. */
    static void remember(HttpServletRequest request, HttpServletResponse response) {
        CACHE.saveRequest(request, response);
    }

    /**
     * The path (within this application) to go to after signing in, forgetting it: the remembered
     * invitation page, else the console.
     */
    static String path(HttpServletRequest request, HttpServletResponse response) {
        String path = remembered(request);
        CACHE.removeRequest(request, response);
        return path != null && RETURNABLE.matcher(path).matches() ? path : "/console";
    }

    /**
     * The token of the invitation page the next sign-in will come back to, if it will come back to one
     * (the sign-in page is in that invitation's language, {@link InvitationLanguage}).
     */
    static String invitationToken(HttpServletRequest request) {
        String path = remembered(request);
        return path != null && RETURNABLE.matcher(path).matches() ? path.substring(path.lastIndexOf('/') + 1) : null;
    }

    /**
     * The request's path (within this application) when it is an invitation page, else {@code null}:
     * checked against the pattern of invitation paths, so it is safe to send the browser to.
     */
    static String invitationPage(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        if (uri == null || !uri.startsWith(context)) {
            return null;
        }
        String path = uri.substring(context.length());
        return RETURNABLE.matcher(path).matches() ? path : null;
    }

    private static String remembered(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session != null && session.getAttribute(ATTRIBUTE) instanceof String path ? path : null;
    }

    /**
     * The request cache of the console's filter chain: it stores the path of an invitation page (any
     * method: an invitation's form sent after its session ended returns to the page too), nothing
     * else, and never replays a stored request.
     */
    private static final class PathOnly implements RequestCache {

        @Override
        public void saveRequest(HttpServletRequest request, HttpServletResponse response) {
            String path = invitationPage(request);
            if (path != null) {
                request.getSession().setAttribute(ATTRIBUTE, path);
            }
        }

        @Override
        public SavedRequest getRequest(HttpServletRequest request, HttpServletResponse response) {
            String path = remembered(request);
            return path == null ? null : new SimpleSavedRequest(request.getContextPath() + path);
        }

        @Override
        public HttpServletRequest getMatchingRequest(HttpServletRequest request, HttpServletResponse response) {
            return null;
        }

        @Override
        public void removeRequest(HttpServletRequest request, HttpServletResponse response) {
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.removeAttribute(ATTRIBUTE);
            }
        }
    }
}
