package com.portfoliobulk.gateway.security;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param hs256Secret the shared secret of HS256 tokens (local and test setups only; at least 32
 *     bytes); unset in production, where RS256 tokens are validated against the configured issuer
 */
@ConfigurationProperties("bulk.gateway.security")
record GatewaySecurityProperties(String hs256Secret) {}
