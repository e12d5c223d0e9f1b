package com.portfoliobulk.gateway.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where callers' portfolio permissions come from.
 *
 * @param source {@code database} (default): the portfolio users and roles the portfolio's Owner and
 *     Admins manage, read on each request, so a revoked permission ends within {@code cacheTtl};
 *     {@code identity-provider}: the token's {@code portfolios} claim, for setups where the identity
 *     provider decides who administers which portfolio (a revocation then ends when the token expires)
 * @param cacheTtl how long one gateway instance reuses a caller's permissions read from the database;
 *     a change made through this instance takes effect at once, one made through another instance
 *     within this time
 */
@ConfigurationProperties("bulk.gateway.permissions")
public record PermissionProperties(
        @DefaultValue("database") Source source,
        @DefaultValue("5s") Duration cacheTtl) {

    /** Where permissions come from. */
    public enum Source {
        DATABASE,
        IDENTITY_PROVIDER
    }
}
