package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.IdentityProviderOutages;
import com.portfoliobulk.gateway.security.IssuerConfigurationException;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.authentication.OAuth2AuthenticationToken;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.AuthenticationSuccessHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationFailureHandler;
import org.springframework.security.web.context.SecurityContextRepository;

/**
 * Finishes an {@code oauth2Login}: the access token the identity provider issued is the bearer token
 * the console calls the API with, so it must be one the API accepts (the issuer, JWK set and audience
 * of {@code spring.security.oauth2.resourceserver.jwt.*}, with the {@code email} claim, and the
 * {@code portfolios} claim where the token is the source of permissions). It is validated by the API's
 * own decoder and read as the API reads it ({@link PortfolioAccess#named}) before a session starts: a
 * claim the API does not read cannot refuse the sign-in. A token whose {@code sub} is not a user id of the
 * product (the provider's own id) signs in someone who can only accept invitations, as the API lets such
 * a token ({@link ConsoleUser#invitee}).
 *
 * <p>With OpenID Connect the ID token may say that the address is not verified ({@code email_verified}
 * false) where the access token says nothing of it, and the API, which sees only the access token,
 * would let the address accept invitations. The session remembers it, and the console refuses to accept
 * an invitation as the API refuses a token whose claim is false.
 *
 * <p>A sign-in that fails because the identity provider cannot be reached (its key set, or the
 * configuration naming it, cannot be fetched to check a token, its token endpoint does not answer or
 * answers a server error) is an outage,
 * not a refusal: the sign-in page says to try again in a moment ({@code ?unavailable}), not that the
 * sign-in was not accepted ({@code ?rejected}, {@code ?failed}), which would have the person try other
 * credentials or call support. One that fails because the configuration the provider publishes at its
 * issuer cannot be used (for the API's decoder or the console's sign-in) is neither: the page says that
 * sign-in through the provider is not possible right now, no fault of the person's account, and to tell
 * the administrator ({@code ?misconfigured}).
 */
final class IdentityProviderSignIn implements AuthenticationSuccessHandler {

    private static final Logger log = LoggerFactory.getLogger(IdentityProviderSignIn.class);

    /** The sign-in page's outcome when the identity provider cannot be reached. */
    private static final String UNAVAILABLE = "?unavailable";

    /**
     * The sign-in page's outcome when the configuration the identity provider publishes at its issuer
     * cannot be used ({@link IssuerConfigurationException}), by the API's decoder or the console's sign-in.
     */
    private static final String MISCONFIGURED = "?misconfigured";

    private final OAuth2AuthorizedClientRepository clients;

    private final JwtDecoder decoder;

    private final PortfolioAccess access;

    private final SecurityContextRepository contexts;

    private final Duration sessionTimeout;

    IdentityProviderSignIn(
            OAuth2AuthorizedClientRepository clients,
            JwtDecoder decoder,
            PortfolioAccess access,
            SecurityContextRepository contexts,
            Duration sessionTimeout) {
        this.clients = clients;
        this.decoder = decoder;
        this.access = access;
        this.contexts = contexts;
        this.sessionTimeout = sessionTimeout;
    }

    @Override
    public void onAuthenticationSuccess(
            HttpServletRequest request, HttpServletResponse response, Authentication authentication)
            throws IOException {
        if (!(authentication instanceof OAuth2AuthenticationToken login)) {
            refuse(request, response, "?failed");
            return;
        }
        OAuth2AuthorizedClient client =
                clients.loadAuthorizedClient(login.getAuthorizedClientRegistrationId(), login, request);
        if (client == null) {
            refuse(request, response, "?failed");
            return;
        }
        try {
            Jwt token = decoder.decode(client.getAccessToken().getTokenValue());
            boolean unverified =
                    login.getPrincipal() instanceof OidcUser user && Boolean.FALSE.equals(user.getEmailVerified());
            ConsoleUser user = PortfolioAccess.namesUser(token)
                    ? ConsoleUser.of(access.named(token), token, unverified)
                    : ConsoleUser.invitee(access.email(token), token, unverified);
            ConsoleSession.start(user, request, response, contexts, sessionTimeout);
        } catch (JwtException | AccessDeniedException ex) {
            IssuerConfigurationException configuration = IdentityProviderOutages.issuerConfiguration(ex);
            if (configuration != null) {
                // The API's decoder, built from issuer-uri alone at the first token, cannot be built from
                // the configuration the provider publishes.
                log.warn(
                        "The identity provider's configuration cannot be used to check the access token of a"
                                + " sign-in ({})",
                        configuration.describe());
                refuse(request, response, MISCONFIGURED);
                return;
            }
            Throwable outage = IdentityProviderOutages.of(ex);
            if (outage != null) {
                log.warn(
                        "The identity provider cannot be reached to check the access token of a sign-in ({})",
                        describe(outage));
                refuse(request, response, UNAVAILABLE);
                return;
            }
            log.warn("The identity provider's access token is not one the API accepts: {}", ex.getMessage());
            refuse(request, response, "?rejected");
            return;
        }
        response.sendRedirect(request.getContextPath() + SignInReturn.path(request, response));
    }

    /**
     * What the sign-in page says when the identity provider's sign-in fails before a session could
     * start (the code exchanged at its token endpoint, the ID token checked with its key set, its user
     * info): that it was not accepted ({@code ?failed}), but that the provider cannot be reached, to try
     * again in a moment ({@code ?unavailable}), when it is an outage of the provider ({@link
     * IdentityProviderOutages#of}), logged as one WARN line.
     */
    static AuthenticationFailureHandler failureHandler() {
        return failureHandler("finish", false);
    }

    /**
     * What the sign-in page says when the way to the identity provider cannot be made: its configuration
     * cannot be fetched from its issuer ({@link ConsoleIdentityProviders}). An outage of the provider
     * ({@code ?unavailable}) as at the end of a sign-in; a configuration the provider publishes that
     * cannot be used (none, or one for another issuer) says that sign-in through the provider is not
     * possible, to tell the administrator ({@code ?misconfigured}), logged as one WARN line naming what
     * is wrong; any other failure says the sign-in was not accepted ({@code ?failed}), logged too.
     */
    static AuthenticationFailureHandler startFailureHandler() {
        return failureHandler("start", true);
    }

    private static AuthenticationFailureHandler failureHandler(String step, boolean logRefusals) {
        AuthenticationFailureHandler refused =
                new SimpleUrlAuthenticationFailureHandler(ConsoleSecurityConfiguration.SIGN_IN + "?failed");
        AuthenticationFailureHandler unavailable =
                new SimpleUrlAuthenticationFailureHandler(ConsoleSecurityConfiguration.SIGN_IN + UNAVAILABLE);
        AuthenticationFailureHandler misconfigured =
                new SimpleUrlAuthenticationFailureHandler(ConsoleSecurityConfiguration.SIGN_IN + MISCONFIGURED);
        return (request, response, exception) -> {
            IssuerConfigurationException configuration = IdentityProviderOutages.issuerConfiguration(exception);
            if (configuration != null) {
                log.warn(
                        "The identity provider's configuration cannot be used to {} a sign-in ({})",
                        step,
                        configuration.describe());
                misconfigured.onAuthenticationFailure(request, response, exception);
                return;
            }
            Throwable outage = IdentityProviderOutages.of(exception);
            if (outage == null) {
                if (logRefusals) {
                    log.warn("The identity provider's sign-in cannot {} ({})", step, describe(exception));
                }
                refused.onAuthenticationFailure(request, response, exception);
                return;
            }
            log.warn("The identity provider cannot be reached to {} a sign-in ({})", step, describe(outage));
            unavailable.onAuthenticationFailure(request, response, exception);
        };
    }

    /** The outage, or failure, and its most specific cause, for the log line. */
    private static String describe(Throwable failure) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        return cause == failure ? failure.toString() : failure + "; caused by " + cause;
    }

    /**
     * Ends the sign-in the login filter has already stored in the session (the provider's
     * authentication, not a console user): the session goes, so the browser is signed out, not half
     * signed in, and is sent to the sign-in page with {@code outcome}.
     */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, String outcome)
            throws IOException {
        SecurityContextHolder.clearContext();
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
        response.sendRedirect(request.getContextPath() + ConsoleSecurityConfiguration.SIGN_IN + outcome);
    }
}
