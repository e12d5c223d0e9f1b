package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.IdentityProviderOutages;
import com.portfoliobulk.gateway.security.IssuerConfigurationException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientProperties;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientPropertiesMapper;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.util.StringUtils;
import org.springframework.web.client.ResourceAccessException;

/**
 * The identity providers of the console's sign-in, {@code spring.security.oauth2.client.*}, in place of
 * Spring Boot's repository, which fetches the configuration of every provider given by its {@code
 * issuer-uri} (its {@code /.well-known/openid-configuration}) while the gateway starts: a gateway started
 * while the provider could not be reached did not start at all, the API, relay and webhooks with it.
 *
 * <p>Here a provider given by its issuer is resolved at its first sign-in and kept once resolved; the
 * registration is Spring Boot's own ({@link OAuth2ClientPropertiesMapper}), endpoints configured beside
 * the issuer still taking precedence. While the provider cannot be reached, a sign-in with it fails as
 * an outage of the provider ({@link IdentityProviderSignIn#startFailureHandler}: the sign-in page says it
 * cannot be reached right now), and the next sign-in tries again, as it does while the configuration the
 * provider publishes cannot be used (the sign-in page says to tell the administrator).
 *
 * <p>Spring Security fetches the configuration with its own client, 30 s to connect and 30 s to read,
 * which cannot be given other limits. So the lookup runs on a virtual thread of its own, and a sign-in
 * waits for it at most {@code lookupBound} (the time limits of the gateway's other calls to the provider,
 * to connect and to read): past it, the sign-in fails as an outage of the provider. One lookup per
 * provider is under way at a time: sign-ins that come meanwhile wait for it, each within its own bound,
 * rather than ask the provider too; so a provider that never answers holds at most one thread, for at
 * most Spring Security's own limits, however many sign-ins try it. A provider given by its endpoints is
 * mapped while the gateway starts, as before: a mistake in its settings still stops the start.
 */
final class ConsoleIdentityProviders implements ClientRegistrationRepository {

    /** The sign-in button's name of each registration, by its id. */
    private final Map<String, String> names = new LinkedHashMap<>();

    /** The registrations mapped, or resolved, so far. */
    private final Map<String, ClientRegistration> registrations = new ConcurrentHashMap<>();

    /** The registrations of providers given by their issuer, each alone with the providers. */
    private final Map<String, OAuth2ClientProperties> byIssuer = new LinkedHashMap<>();

    /** The resolution under way of a registration given by its issuer, which sign-ins meanwhile wait for. */
    private final Map<String, CompletableFuture<ClientRegistration>> resolving = new ConcurrentHashMap<>();

    /** How long a sign-in waits for the lookup of its provider's configuration. */
    private final Duration lookupBound;

    ConsoleIdentityProviders(OAuth2ClientProperties properties, Duration lookupBound) {
        this.lookupBound = lookupBound;
        OAuth2ClientProperties byEndpoints = new OAuth2ClientProperties();
        byEndpoints.getProvider().putAll(properties.getProvider());
        properties.getRegistration().forEach((id, registration) -> {
            if (issuer(id, registration, properties) == null) {
                byEndpoints.getRegistration().put(id, registration);
                return;
            }
            OAuth2ClientProperties alone = new OAuth2ClientProperties();
            alone.getProvider().putAll(properties.getProvider());
            alone.getRegistration().put(id, registration);
            byIssuer.put(id, alone);
        });
        registrations.putAll(new OAuth2ClientPropertiesMapper(byEndpoints).asClientRegistrations());
        properties.getRegistration().forEach((id, registration) -> {
            ClientRegistration mapped = registrations.get(id);
            names.put(
                    id,
                    mapped != null
                            ? mapped.getClientName()
                            : StringUtils.hasText(registration.getClientName()) ? registration.getClientName() : id);
        });
    }

    /**
     * The issuer of the registration's provider, as Spring Boot finds it (the provider named by {@code
     * provider}, or the one of the registration's id); null when the provider is given by its endpoints.
     */
    private static String issuer(
            String id, OAuth2ClientProperties.Registration registration, OAuth2ClientProperties properties) {
        String providerId = registration.getProvider() != null ? registration.getProvider() : id;
        OAuth2ClientProperties.Provider provider = properties.getProvider().get(providerId);
        return provider == null ? null : provider.getIssuerUri();
    }

    /**
     * The name of each configured provider's sign-in button, by registration id, without asking any
     * provider: the registration's {@code client-name}, else Spring Boot's name of a provider it knows
     * (Google, GitHub...), else the registration's id.
     */
    Map<String, String> names() {
        return Collections.unmodifiableMap(names);
    }

    /**
     * The registration; a provider given by its issuer is resolved first, if it has not been.
     *
     * @throws OAuth2AuthenticationException when the provider's configuration cannot be fetched, caused
     *     by the failure where {@code IdentityProviderOutages} finds an outage of the provider in it,
     *     otherwise by an {@link IssuerConfigurationException} (no configuration, or one that cannot be
     *     used, as one for another issuer)
     */
    @Override
    public ClientRegistration findByRegistrationId(String registrationId) {
        ClientRegistration registration = registrations.get(registrationId);
        if (registration != null || !byIssuer.containsKey(registrationId)) {
            return registration;
        }
        CompletableFuture<ClientRegistration> mine = new CompletableFuture<>();
        CompletableFuture<ClientRegistration> underWay = resolving.putIfAbsent(registrationId, mine);
        if (underWay == null) {
            underWay = mine;
            Thread.ofVirtual().name("issuer-configuration-" + registrationId).start(() -> {
                try {
                    ClientRegistration resolved = resolve(registrationId);
                    registrations.put(registrationId, resolved);
                    mine.complete(resolved);
                } catch (RuntimeException | Error ex) {
                    mine.completeExceptionally(ex);
                } finally {
                    resolving.remove(registrationId, mine);
                }
            });
        }
        Throwable failure;
        try {
            return underWay.get(lookupBound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException ex) {
            failure = ex.getCause();
        } catch (TimeoutException ex) {
            failure =
                    new ResourceAccessException("The issuer of the identity provider of registration '" + registrationId
                            + "' did not answer with its configuration within " + lookupBound.toMillis() + " ms");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            failure = new ResourceAccessException("Interrupted while waiting for the configuration of the identity"
                    + " provider of registration '" + registrationId + "'");
        }
        String description = "The configuration of the identity provider of registration '" + registrationId
                + "' cannot be fetched from its issuer";
        boolean outage = failure instanceof ResourceAccessException || IdentityProviderOutages.of(failure) != null;
        throw new OAuth2AuthenticationException(
                new OAuth2Error("identity_provider_unresolved", description, null),
                description,
                outage ? failure : new IssuerConfigurationException(failure));
    }

    private ClientRegistration resolve(String registrationId) {
        ClientRegistration resolved = new OAuth2ClientPropertiesMapper(byIssuer.get(registrationId))
                .asClientRegistrations()
                .get(registrationId);
        if (resolved == null) {
            throw new IllegalStateException("No registration '" + registrationId + "' was mapped");
        }
        return resolved;
    }
}
