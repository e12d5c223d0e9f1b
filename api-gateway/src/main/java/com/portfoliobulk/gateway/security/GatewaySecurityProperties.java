package com.portfoliobulk.gateway.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param hs256Secret the shared secret of HS256 tokens ({@code BULK_JWT_SECRET}; local and test
 *     setups only, at least 32 bytes); empty in production, where RS256 tokens are validated against
 *     the configured issuer / JWK set
 */
@ConfigurationProperties("bulk.gateway.security")
record GatewaySecurityProperties(String hs256Secret) {}
