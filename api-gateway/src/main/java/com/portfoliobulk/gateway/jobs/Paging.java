package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.InvalidParameterException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A page request: {@code limit} (default 50, 1 to 500) and an opaque {@code cursor}, the position
 * after the last item of the previous page.
 *
 * @param limit the page size
 * @param after the decoded cursor, or {@code null} for the first page
 */
record Paging(int limit, String after) {

    static final int DEFAULT_LIMIT = 50;

    static final int MAX_LIMIT = 500;

    private static final int MAX_CURSOR_LENGTH = 200;

    static Paging of(Integer limit, String cursor) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw new InvalidParameterException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return new Paging(size, cursor == null || cursor.isBlank() ? null : decode(cursor));
    }

    static String encode(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        try {
            if (cursor.length() > MAX_CURSOR_LENGTH) {
                throw new IllegalArgumentException();
            }
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException ex) {
            throw notACursor();
        }
    }

    static InvalidParameterException notACursor() {
        return new InvalidParameterException("cursor", "is not a cursor returned by this list");
    }
}
