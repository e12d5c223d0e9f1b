package com.portfoliobulk.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;

/**
 * The authorization requests that send a browser to the identity provider to sign in. Signing out of
 * the console leaves the provider's own sign-in in place, so a plain request signs the browser in again
 * as the same person without asking. Where a person may need another account, the request asks the
 * provider to let them choose one ({@code prompt=select_account}, OpenID Connect): a sign-in that comes
 * back to an invitation page (someone signed in as a@corp.example opened the invitation of
 * b@corp.example, signed out, and opened the link again), and a sign-in started from the sign-in page
 * right after signing out. Other sign-ins go through as before, without a question. Not every provider
 * knows {@code select_account} (some refuse the request for it, some ignore it), so the value is
 * {@code bulk.gateway.console.choose-account-prompt}: {@code login} makes most of them ask for the
 * credentials again, and none is sent when it is empty.
 */
final class IdentityProviderRequests implements OAuth2AuthorizationRequestResolver {

    /** Where a sign-in through a provider starts: {@code /oauth2/authorization/{registrationId}}. */
    static final String BASE_URI = DefaultOAuth2AuthorizationRequestResolver.DEFAULT_AUTHORIZATION_REQUEST_BASE_URI;

    /** The parameter of the sign-in page's provider links, shown after signing out, asking to choose an account. */
    static final String CHOOSE_ACCOUNT = "choose-account";

    private final DefaultOAuth2AuthorizationRequestResolver requests;

    private final String prompt;

    /** Requests for the {@code registrations}, with {@code prompt} where an account is to be chosen (none if blank). */
    IdentityProviderRequests(ClientRegistrationRepository registrations, String prompt) {
        this.requests = new DefaultOAuth2AuthorizationRequestResolver(registrations, BASE_URI);
        this.prompt = prompt == null ? "" : prompt.strip();
    }

    @Override
    public OAuth2AuthorizationRequest resolve(HttpServletRequest request) {
        return chooseAccountIfAsked(request, requests.resolve(request));
    }

    @Override
    public OAuth2AuthorizationRequest resolve(HttpServletRequest request, String registrationId) {
        return chooseAccountIfAsked(request, requests.resolve(request, registrationId));
    }

    private OAuth2AuthorizationRequest chooseAccountIfAsked(
            HttpServletRequest request, OAuth2AuthorizationRequest authorization) {
        if (authorization == null || prompt.isEmpty() || !accountToChoose(request)) {
            return authorization;
        }
        return OAuth2AuthorizationRequest.from(authorization)
                .additionalParameters(parameters -> parameters.put("prompt", prompt))
                .build();
    }

    /**
     * Whether the person may need another account than the provider's current one: the sign-in returns
     * to an invitation page (the only page the session remembers to return to), or was started after
     * signing out.
     */
    private static boolean accountToChoose(HttpServletRequest request) {
        return request.getParameter(CHOOSE_ACCOUNT) != null || SignInReturn.CACHE.getRequest(request, null) != null;
    }
}
