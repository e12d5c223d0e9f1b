package com.portfoliobulk.gateway.security;

import org.springframework.core.NestedExceptionUtils;

/**
 * The configuration an identity provider publishes at its issuer cannot be used, though the provider
 * answered: it publishes none there, one that cannot be read, or one for another issuer. Not an outage of
 * the provider ({@link IdentityProviderOutages#of}), nor a refusal of what a client sent: tokens cannot be
 * checked, or sign-ins made, until the settings or the provider are corrected, which the gateway's
 * operator must be told ({@link IdentityProviderOutages#issuerConfiguration}).
 */
public final class IssuerConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The failure to use the configuration; its message names the issuer and what is wrong. */
    public IssuerConfigurationException(Throwable cause) {
        super(
                "The configuration the identity provider publishes at its issuer cannot be used: " + cause.getMessage(),
                cause);
    }

    /** For a log line: the message, and the most specific cause where it is not the one the message quotes. */
    public String describe() {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(this);
        return cause == getCause() ? getMessage() : getMessage() + "; caused by " + cause;
    }
}
