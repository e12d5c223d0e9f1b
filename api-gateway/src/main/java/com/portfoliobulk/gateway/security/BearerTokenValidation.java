package com.portfoliobulk.gateway.security;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.JwkSetUriJwtDecoderBuilderCustomizer;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.util.StringUtils;

/**
 * Which bearer tokens are valid. Exactly one of two setups:
 *
 * <ul>
 *   <li><b>Production</b>: RS256 tokens of an identity provider, configured with Spring Boot's
 *       {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} and/or {@code jwk-set-uri}
 *       (Boot builds the decoder; the issuer and {@code audiences} are checked when configured).
 *   <li><b>Local and test setups</b>: HS256 tokens signed with the shared secret
 *       {@code bulk.gateway.security.hs256-secret} ({@code BULK_JWT_SECRET}; the {@code local}
 *       profile has a development default), so that a client can mint its own tokens.
 * </ul>
 *
 * Either way a token must name its caller ({@code sub}, {@code email}) and expire ({@code exp}),
 * with 60 seconds of clock skew allowed. Starting with neither setup, or with both, fails at once. The
 * identity provider's key set is fetched again after {@code bulk.gateway.security.token-cache-ttl}
 * ({@link KeySetCache}). The fetches of the key set (and, with {@code issuer-uri} alone, of the
 * provider's configuration) have the time limits of the console's calls to the provider, {@code
 * bulk.gateway.console.identity-provider-connect-timeout} and {@code -read-timeout} (the console's {@code
 * IdentityProviderCalls}).
 */
@Configuration(proxyBeanMethods = false)
class BearerTokenValidation {

    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    static final String NOT_CONFIGURED = "No bearer token validation is configured. In production set"
            + " spring.security.oauth2.resourceserver.jwt.issuer-uri or jwk-set-uri (RS256 tokens of your"
            + " identity provider); for local runs activate the 'local' profile or set BULK_JWT_SECRET (HS256).";

    static final String BOTH_CONFIGURED = "Both an HS256 secret (bulk.gateway.security.hs256-secret /"
            + " BULK_JWT_SECRET) and an issuer or key set (spring.security.oauth2.resourceserver.jwt.*) are"
            + " configured. Production must validate the identity provider's tokens only: unset the secret.";

    private static final int MIN_SECRET_BYTES = 32;

    /** How long the key set is kept when validated tokens are not ({@code token-cache-ttl} 0). */
    static final Duration KEY_SET_TTL_WITHOUT_TOKEN_CACHE = Duration.ofSeconds(60);

    /**
     * The identity provider's key set between fetches, kept as long as a validated token is ({@code
     * token-cache-ttl}), or 60 seconds when tokens are validated on every request. Unused in the HS256
     * setup.
     */
    @Bean
    KeySetCache identityProviderKeySet(GatewaySecurityProperties properties) {
        Duration ttl = properties.tokenCacheTtl();
        return new KeySetCache(
                ttl.isZero() || ttl.isNegative() ? KEY_SET_TTL_WITHOUT_TOKEN_CACHE : ttl, Clock.systemUTC());
    }

    /** Applied by Spring Boot to the decoder it builds from the issuer or the JWK set URI. */
    @Bean
    JwkSetUriJwtDecoderBuilderCustomizer keySetFetchedAgainAfterTokenCacheTtl(KeySetCache keys) {
        return builder -> builder.cache(keys);
    }

    /** Added by Spring Boot to the decoders it builds, and here to the HS256 one. */
    @Bean
    OAuth2TokenValidator<Jwt> gatewayTokenClaims() {
        JwtTimestampValidator lifetime = new JwtTimestampValidator(CLOCK_SKEW);
        lifetime.setAllowEmptyExpiryClaim(false);
        return new DelegatingOAuth2TokenValidator<>(
                lifetime, required(JwtClaimNames.SUB), required(PortfolioAccess.EMAIL_CLAIM));
    }

    @Bean
    @Conditional(Hs256SecretConfigured.class)
    JwtDecoder hs256JwtDecoder(
            GatewaySecurityProperties properties,
            OAuth2ResourceServerProperties resourceServer,
            List<OAuth2TokenValidator<Jwt>> validators) {
        OAuth2ResourceServerProperties.Jwt jwt = resourceServer.getJwt();
        if (StringUtils.hasText(jwt.getIssuerUri())
                || StringUtils.hasText(jwt.getJwkSetUri())
                || jwt.getPublicKeyLocation() != null) {
            throw new InvalidSettingException(
                    "BULK_JWT_SECRET",
                    BOTH_CONFIGURED,
                    "Unset BULK_JWT_SECRET (bulk.gateway.security.hs256-secret) in production, or the issuer and"
                            + " key set (spring.security.oauth2.resourceserver.jwt.*) for local and test runs.");
        }
        byte[] secret = properties.hs256Secret().getBytes(StandardCharsets.UTF_8);
        if (secret.length < MIN_SECRET_BYTES) {
            throw new InvalidSettingException(
                    "BULK_JWT_SECRET",
                    "bulk.gateway.security.hs256-secret (BULK_JWT_SECRET) must be at least " + MIN_SECRET_BYTES
                            + " bytes long for HS256",
                    "Set BULK_JWT_SECRET to a random secret of at least " + MIN_SECRET_BYTES + " bytes (e.g. the output"
                            + " of 'openssl rand -base64 48'), or unset it and set"
                            + " spring.security.oauth2.resourceserver.jwt.issuer-uri (production).");
        }
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withSecretKey(new SecretKeySpec(secret, "HmacSHA256"))
                .macAlgorithm(MacAlgorithm.HS256)
                .build();
        List<OAuth2TokenValidator<Jwt>> all = new ArrayList<>(validators);
        List<String> audiences = jwt.getAudiences();
        if (audiences != null && !audiences.isEmpty()) {
            all.add(new JwtClaimValidator<Collection<String>>(
                    JwtClaimNames.AUD, aud -> aud != null && aud.stream().anyMatch(audiences::contains)));
        }
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(all));
        return decoder;
    }

    private static OAuth2TokenValidator<Jwt> required(String claim) {
        return new JwtClaimValidator<Object>(claim, value -> value != null && StringUtils.hasText(value.toString()));
    }

    /** {@code bulk.gateway.security.hs256-secret} is set and not empty. */
    static final class Hs256SecretConfigured extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return StringUtils.hasText(context.getEnvironment().getProperty("bulk.gateway.security.hs256-secret"))
                    ? ConditionOutcome.match("an HS256 secret is configured")
                    : ConditionOutcome.noMatch("no HS256 secret is configured");
        }
    }
}
