package com.portfoliobulk.contracts.paging;

import java.util.List;
import java.util.function.Function;

/**
 * A page request of a list: how many items, and after which. Every list reads it from the same
 * query parameters with the same rules: {@code limit} is a whole number from 1 to {@value
 * #MAX_LIMIT} (default {@value #DEFAULT_LIMIT}) written in the ASCII digits 0-9 only, without sign,
 * spaces or decimal point (leading zeros are read as decimal: {@code 010} is 10); {@code cursor} is the {@code nextCursor} of the
 * previous page of the same list, absent for the first page.
 *
 * @param limit the page size
 * @param after where the previous page ended; {@code null} for the first page
 */
public record PageRequest(int limit, Cursor after) {

    /** The page size when {@code limit} is not sent. */
    public static final int DEFAULT_LIMIT = 50;

    /** The largest page size. */
    public static final int MAX_LIMIT = 500;

    /** The query parameter of the page size. */
    public static final String LIMIT = "limit";

    /** The query parameter of the previous page's {@code nextCursor}. */
    public static final String CURSOR = "cursor";

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw InvalidPageRequestException.limit();
        }
    }

    /**
     * The page of {@code list} asked for by the {@code limit} and {@code cursor} query parameters,
     * as sent ({@code null} or empty when absent).
     *
     * @throws InvalidPageRequestException naming {@code limit} or {@code cursor} when it cannot be used
     */
    public static PageRequest of(String limit, String cursor, String list) {
        int size = limit == null || limit.isEmpty() ? DEFAULT_LIMIT : size(limit);
        Cursor after = cursor == null || cursor.isEmpty() ? null : Cursor.decode(cursor, list);
        return new PageRequest(size, after);
    }

    /** How many items to read: one more than the page, to learn whether another page follows. */
    public int fetchSize() {
        return limit + 1;
    }

    /**
     * The page of {@code fetched} items, read with {@link #fetchSize()}: an item beyond the limit
     * only tells that another page follows, which starts after this page's last item.
     *
     * @param position the cursor after an item
     */
    public <T> Page<T> page(List<T> fetched, Function<? super T, Cursor> position) {
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<T> items = fetched.subList(0, limit);
        return new Page<>(items, position.apply(items.getLast()).encode());
    }

    /**
     * The page size of a {@code limit} of plain decimal digits. {@link Integer#parseInt} alone would
     * also read a sign ({@code +10}) and the digits of other scripts; a query's {@code limit=+10}
     * arrives as {@code " 10"}, refused for its space.
     */
    private static int size(String limit) {
        for (int i = 0; i < limit.length(); i++) {
            char c = limit.charAt(i);
            if (c < '0' || c > '9') {
                throw InvalidPageRequestException.limit();
            }
        }
        try {
            return Integer.parseInt(limit);
        } catch (NumberFormatException ex) {
            throw InvalidPageRequestException.limit();
        }
    }
}
