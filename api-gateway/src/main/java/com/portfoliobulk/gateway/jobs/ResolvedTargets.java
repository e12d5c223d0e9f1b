package com.portfoliobulk.gateway.jobs;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A validated job request whose targets all belong to the portfolio: the plan of its tasks, still in
 * the database and never held in memory. {@link TargetResolution} counts, walks or stores it.
 */
final class ResolvedTargets {

    private final UUID portfolioId;

    private final ValidatedJobRequest request;

    private final String select;

    private final String order;

    private final Map<String, Object> params;

    ResolvedTargets(
            UUID portfolioId, ValidatedJobRequest request, String select, String order, Map<String, Object> params) {
        this.portfolioId = Objects.requireNonNull(portfolioId, "portfolioId");
        this.request = Objects.requireNonNull(request, "request");
        this.select = select;
        this.order = order;
        this.params = Collections.unmodifiableMap(new HashMap<>(params));
    }

    public UUID portfolioId() {
        return portfolioId;
    }

    public ValidatedJobRequest request() {
        return request;
    }

    /**
     * A query of the planned rows without an order ({@link #order()} orders them): the task's
     * columns {@code account_id, user_id, email, action, role}, the order's {@code ord1, ord2}, and
     * what the access rules decide the task from ({@code in_portfolio, idp_managed, current_role,
     * current_state, current_expires_at}), which only the preview reads.
     */
    String select() {
        return select;
    }

    /**
     * The ORDER BY clause of the plan: request order (then account order, or for an offboarding the
     * directory's order of the user's memberships).
     */
    String order() {
        return order;
    }

    Map<String, Object> params() {
        return params;
    }
}
