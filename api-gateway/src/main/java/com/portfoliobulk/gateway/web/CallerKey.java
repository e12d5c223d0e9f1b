package com.portfoliobulk.gateway.web;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;

/**
 * An authentication whose name is personal data (the web console's signed-in user is named by their
 * e-mail address), or does not name the caller the budget should count (a SCIM token, one of the
 * several its portfolio may have): the request bodies' budget counts its requests, and its log line
 * names it, by this key instead ({@link RequestBodyBudget}).
 */
public interface CallerKey {

    /** Who sends the request, as the request bodies' budget counts it and its log names it: no address. */
    String callerKey();

    /**
     * The caller {@code authentication} names, as the request bodies' budget counts it: its {@link
     * #callerKey} where it has one (a SCIM token's portfolio, a console user's id), else its name (a
     * bearer token's {@code sub});
     * {@link RequestBodyBudget#NO_CALLER} for none or an anonymous one.
     */
    static String of(Authentication authentication) {
        if (authentication == null || authentication instanceof AnonymousAuthenticationToken) {
            return RequestBodyBudget.NO_CALLER;
        }
        String caller = authentication instanceof CallerKey key ? key.callerKey() : authentication.getName();
        return caller == null ? RequestBodyBudget.NO_CALLER : caller;
    }
}
