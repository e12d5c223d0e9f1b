package com.portfoliobulk.gateway.directory;

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
    static Paging of(Integer limit, String cursor) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidParameterException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        PageCursor after = cursor == null || cursor.isEmpty() ? null : PageCursor.decode(cursor, "cursor");
        return new Paging(size, after);
    }

    /** How many rows to read: one more than the page, to learn whether another page follows. */
    int fetchSize() {
        return limit + 1;
    }
}
