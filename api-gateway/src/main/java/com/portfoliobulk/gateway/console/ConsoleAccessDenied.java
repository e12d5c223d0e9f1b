package com.portfoliobulk.gateway.console;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.csrf.CsrfException;

/**
 * What the console's filter chain refuses (a form's CSRF token that is missing or not the session's)
 * is answered as console pages, not as the API's JSON problem. Without a signed-in session (the
 * sign-in page left open past its 30 minutes, a page left past the 8 h idle timeout, a forged form)
 * the browser goes to the sign-in page, which says the sign-in has expired (a sign-out: "You are
 * signed out"), the whole page for a request htmx made (401 with {@code HX-Redirect}), and an
 * invitation page's form is returned to after signing in. A signed-in person's refused form to an
 * invitation page (the page was opened before signing in again, say as the invited address in
 * another tab) is answered 303 to the same page, which shows the form again with the
 * session's token and whom it will now be accepted as: no console page links to an invitation, and
 * the e-mail's link is all the invitee has. Any other signed-in administrator's refused form is a 403
 * on the console's page {@value #PAGE}, which says to open the page again. Either way nothing is
 * changed, and a form that came without a session cookie (another site's) starts no session and sets
 * no cookie.
 */
final class ConsoleAccessDenied implements AccessDeniedHandler {

    static final String PAGE = "/console/out-of-date";

    private static final String SIGN_OUT = "/console/sign-out";

    private final AccessDeniedHandlerImpl refusal = new AccessDeniedHandlerImpl();

    ConsoleAccessDenied() {
        refusal.setErrorPage(PAGE);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException, ServletException {
        if (denied instanceof CsrfException && !signedIn()) {
            boolean signOut = request.getRequestURI().equals(request.getContextPath() + SIGN_OUT);
            // An invitation accepted after the session ended: the sign-in comes back to the invitation.
            // A form without a session cookie (another site's) starts no session to remember it in: its
            // cookie would replace the browser's, and choose where the next sign-in goes.
            if (!SessionCsrfTokens.withoutSession(request)) {
                SignInReturn.remember(request, response);
            }
            String signInPage = signOut ? ConsoleSecurityConfiguration.SIGN_IN + "?signedOut" : HtmxRedirects.EXPIRED;
            // A POST htmx made ("Find accounts by name", with the page's token in a header) would follow a
            // redirect and get the sign-in page, which it swaps nowhere: the whole page goes there instead.
            if (HtmxRedirects.fromHtmx(request)) {
                HtmxRedirects.redirectPage(request, response, signInPage);
                return;
            }
            response.sendRedirect(request.getContextPath() + signInPage);
            return;
        }
        String invitation = SignInReturn.invitationPage(request);
        if (denied instanceof CsrfException && invitation != null) {
            // GET the page again: nothing is accepted, and a reload does not send the stale token again.
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", request.getContextPath() + invitation);
            return;
        }
        refusal.handle(request, response, denied);
    }

    private static boolean signedIn() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication != null
                && authentication.isAuthenticated()
                && !(authentication instanceof AnonymousAuthenticationToken);
    }
}
