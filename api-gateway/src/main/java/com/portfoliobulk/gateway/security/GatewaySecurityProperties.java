package com.portfoliobulk.gateway.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param hs256Secret the shared secret of HS256 tokens ({@code BULK_JWT_SECRET}; local and test
 *     setups only, at least 32 bytes); empty in production, where RS256 tokens are validated against
 *     the configured issuer / JWK set
 * @param tokenCacheTtl how long one gateway instance reuses the outcome of validating a bearer token
 *     that passed (signature and claims), never beyond the token's expiry, and keeps the identity
 *     provider's key set before fetching it again; {@code 0} validates every request's token from
 *     scratch (see {@link ValidatedTokenCache}), against a key set kept for 60 seconds ({@link
 *     KeySetCache})
 */
@ConfigurationProperties("bulk.gateway.security")
record GatewaySecurityProperties(
        String hs256Secret, @DefaultValue("60s") Duration tokenCacheTtl) {}
