package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.web.BaseUrls;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The web console.
 *
 * @param demoSignIn whether the sign-in page offers the demo sign-in, which mints an HS256 token with
 *     the gateway's own secret for any e-mail address; only the {@code local} profile turns it on
 * @param demoTokenValidity how long a demo sign-in's token (and so its session) is valid
 * @param sessionTimeout how long a signed-in administrator's session lasts without a request; a
 *     session before sign-in (the sign-in form's CSRF token, an identity provider's round trip, the page
 *     to come back to) lasts {@code server.servlet.session.timeout}
 * @param apiBaseUrl where the console calls the API; empty for this gateway itself, on loopback or at
 *     the one address {@code server.address} binds it to, under its {@code server.servlet.context-path};
 *     otherwise an absolute http(s) URL with a host ({@link BaseUrls}), or the gateway does not start
 * @param pageSize rows per page of the users, jobs, tasks and activity tables: the {@code limit} of the
 *     console's calls to the API, so from 1 to {@value PageRequest#MAX_LIMIT}
 * @param accountChoices how many accounts (by name, narrowed by the account search) the filters and
 *     the bulk bar offer at once: a {@code limit} too, from 1 to {@value PageRequest#MAX_LIMIT}
 * @param apiReadTimeout how long the console waits for the API's answer to one of its calls; a job's
 *     task CSV, which streams through to the administrator's browser for as long as it reads, has the
 *     gateway's {@code bulk.gateway.web.streaming-timeout} instead
 * @param chooseAccountPrompt the {@code prompt} of a sign-in through the identity provider where the
 *     person may need another account than the provider's current one (see
 *     {@link IdentityProviderRequests}): {@code select_account} by default, {@code login} for a provider
 *     that has no account choice but asks for the credentials again with it (Keycloak), empty for none
 * @param identityProviderConnectTimeout how long a sign-in through the identity provider waits to
 *     connect to its token, user-info or key-set endpoint (see {@link IdentityProviderCalls})
 * @param identityProviderReadTimeout how long it waits for the answer of either, once connected; past
 *     either, the sign-in page says the provider cannot be reached right now. Both together bound its
 *     wait for the configuration of a provider given by its issuer ({@link ConsoleIdentityProviders}).
 *     Both also bound the fetches
 *     of the provider's key set (and, with {@code issuer-uri} alone, its configuration) that check bearer
 *     tokens, past which the token is answered 503
 */
@ConfigurationProperties("bulk.gateway.console")
record ConsoleProperties(
        @DefaultValue("false") boolean demoSignIn,
        @DefaultValue("8h") Duration demoTokenValidity,
        @DefaultValue("8h") Duration sessionTimeout,
        String apiBaseUrl,
        @DefaultValue("50") int pageSize,
        @DefaultValue("100") int accountChoices,
        @DefaultValue("60s") Duration apiReadTimeout,
        @DefaultValue("select_account") String chooseAccountPrompt,
        @DefaultValue("5s") Duration identityProviderConnectTimeout,
        @DefaultValue("10s") Duration identityProviderReadTimeout) {

    ConsoleProperties {
        // Each is sent as is as the API's limit, which the API refuses outside its range: every list page
        // would show the API's refusal, and the admin page would take it for the caller's.
        if (apiBaseUrl != null && !apiBaseUrl.isBlank()) {
            BaseUrls.require(
                    "bulk.gateway.console.api-base-url",
                    apiBaseUrl,
                    "https://bulk.example.com (or empty: this gateway)");
        }
        checkLimit("page-size", pageSize);
        checkLimit("account-choices", accountChoices);
        checkSessionTimeout(sessionTimeout);
        checkTimeout("identity-provider-connect-timeout", identityProviderConnectTimeout);
        checkTimeout("identity-provider-read-timeout", identityProviderReadTimeout);
    }

    /** A time limit of the calls to the identity provider: none (0) would wait for ever, as before. */
    private static void checkTimeout(String property, Duration value) {
        if (value == null || !value.isPositive() || value.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bulk.gateway.console." + property + " is " + value
                    + "; it must be from 1 ms to " + Integer.MAX_VALUE + " ms (about 24.8 days)");
        }
    }

    /**
     * A signed-in session's timeout, kept in whole seconds: 0 (or under a second) ended every session
     * at its next request, a negative one never ended a session, and one of more than {@link
     * Integer#MAX_VALUE} seconds failed every sign-in.
     */
    private static void checkSessionTimeout(Duration value) {
        if (value == null || value.compareTo(Duration.ofSeconds(1)) < 0 || value.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bulk.gateway.console.session-timeout is " + value
                    + "; it must be from 1 s to " + Integer.MAX_VALUE + " s (about 68 years; 8h by default)");
        }
    }

    private static void checkLimit(String property, int value) {
        if (value < 1 || value > PageRequest.MAX_LIMIT) {
            throw new IllegalArgumentException("bulk.gateway.console." + property + " is " + value
                    + "; it must be from 1 to " + PageRequest.MAX_LIMIT
                    + ", the page sizes (limit) the API answers");
        }
    }
}
