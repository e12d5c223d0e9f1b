package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.gateway.web.InvalidParameterException;

/**
 * A page request of a preview: how many items, and after which.
 *
 * @param limit the page size, 1 to {@value #MAX_LIMIT}
 * @param after where the previous page ended; {@code null} for the first page
 */
record PreviewPaging(int limit, PreviewCursor after) {

    static final int DEFAULT_LIMIT = 50;

    static final int MAX_LIMIT = 500;

    /**
     * The page asked for by the {@code limit} and {@code cursor} request parameters.
     *
     * @throws InvalidParameterException naming {@code limit} or {@code cursor} when it cannot be used
     */
    static PreviewPaging of(Integer limit, String cursor) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidParameterException("limit", "must be a whole number from 1 to " + MAX_LIMIT);
        }
        PreviewCursor after = cursor == null || cursor.isEmpty() ? null : PreviewCursor.decode(cursor);
        return new PreviewPaging(size, after);
    }

    /**
     * This page request, if its cursor (if any) was made for the plan of {@code planKey}.
     *
     * @throws InvalidParameterException naming {@code cursor} when it belongs to another request
     */
    PreviewPaging requirePlan(String planKey) {
        if (after != null) {
            after.requirePlan(planKey);
        }
        return this;
    }
}
