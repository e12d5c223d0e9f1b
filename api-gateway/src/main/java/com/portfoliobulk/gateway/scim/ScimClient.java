package com.portfoliobulk.gateway.scim;

import java.util.List;
import java.util.UUID;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * An identity provider authenticated with a SCIM token: it may provision the token's portfolio and
 * nothing else.
 */
final class ScimClient extends AbstractAuthenticationToken {

    private final ScimTokens.ScimToken token;

    ScimClient(ScimTokens.ScimToken token) {
        super(List.of());
        this.token = token;
        setAuthenticated(true);
    }

    UUID tokenId() {
        return token.id();
    }

    UUID portfolioId() {
        return token.portfolioId();
    }

    @Override
    public Object getCredentials() {
        return "";
    }

    @Override
    public Object getPrincipal() {
        return token.id();
    }
}
