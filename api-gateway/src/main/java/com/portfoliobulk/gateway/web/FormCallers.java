package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who sends a form, where it is known before the security filters have run: the web console's signed-in
 * user, by the session the request names. {@link RequestParameters} reads a form's body before those
 * filters, and counts it in the request bodies' budget as its sender's ({@link RequestBodyBudget}).
 */
public interface FormCallers {

    /**
     * The name of the caller sending {@code request}, as the security filters will know it (the name of
     * its authentication); {@code null} where this does not know it.
     */
    String caller(HttpServletRequest request);
}
