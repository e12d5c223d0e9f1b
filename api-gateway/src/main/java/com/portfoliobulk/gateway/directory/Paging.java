package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.gateway.web.InvalidParameterException;

/**
 * A page request of a cursor-paged list: how many items, and after which.
 *
 * @param limit the page size, 1 to {@value #MAX_LIMIT}
 * @param after where the previous page ended; {@code null} for the first page
 */
record Paging(int limit, PageCursor after) {

    static final int DEFAULT_LIMIT = 50;

    static final int MAX_LIMIT = 500;

    /**
     * The page asked for by the {@code limit} and {@code cursor} request parameters.
     *
     * @throws InvalidParameterException when either cannot be used
     */
    static Paging of(String limit, String cursor) {
        int size = limit == null || limit.isEmpty() ? DEFAULT_LIMIT : size(limit);
        if (size < 1 || size > MAX_LIMIT) {
            throw invalidLimit();
        }
        PageCursor after = cursor == null || cursor.isEmpty() ? null : PageCursor.decode(cursor, "cursor");
        return new Paging(size, after);
    }

    private static int size(String limit) {
        try {
            return Integer.parseInt(limit);
        } catch (NumberFormatException ex) {
            throw invalidLimit();
        }
    }

    private static InvalidParameterException invalidLimit() {
        return new InvalidParameterException("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** How many rows to read: one more than the page, to learn whether another page follows. */
    int fetchSize() {
        return limit + 1;
    }
}
