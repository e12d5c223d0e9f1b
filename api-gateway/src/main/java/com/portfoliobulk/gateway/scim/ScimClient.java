package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.web.CallerKey;
import java.util.List;
import java.util.UUID;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * An identity provider authenticated with a SCIM token: it may provision the token's portfolio and
 * nothing else. The request bodies' budget counts it by that portfolio ({@link #callerKey}), not by the
 * token: a portfolio's Owner may create as many tokens as they like, and each counted apart took one
 * more share, so that a few of them sending slow bodies held the whole budget.
 */
final class ScimClient extends AbstractAuthenticationToken implements CallerKey {

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

    /**
     * The portfolio the token provisions, the only one its requests reach (the security filter refuses
     * any other portfolio's path before this is asked): all of a portfolio's SCIM tokens share one
     * caller's share of the request bodies' budget.
     */
    @Override
    public String callerKey() {
        return "scim:" + token.portfolioId();
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
