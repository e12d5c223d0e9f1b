package com.portfoliobulk.audit.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What to read of one account's activity log.
 *
 * @param portfolioId the portfolio the entries were initiated from
 * @param accountId the account
 * @param since only entries that occurred at or after it, or {@code null}
 * @param limit the page size
 * @param after the position after which the page starts, or {@code null} for the first page
 */
record ActivityLogQuery(UUID portfolioId, UUID accountId, Instant since, int limit, ActivityLogCursor after) {

    static final int DEFAULT_LIMIT = 50;

    static final int MAX_LIMIT = 500;

    /**
     * Reads the query parameters.
     *
     * @throws InvalidParametersException naming every parameter that is not valid
     */
    static ActivityLogQuery parse(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        List<FieldError> errors = new ArrayList<>();
        Instant sinceInstant = null;
        if (since != null) {
            try {
                sinceInstant = OffsetDateTime.parse(since).toInstant();
            } catch (DateTimeParseException ex) {
                errors.add(new FieldError("since", "must be an RFC 3339 date-time, e.g. 2026-01-31T09:30:00Z"));
            }
        }
        int pageSize = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                pageSize = Integer.parseInt(limit.trim());
            } catch (NumberFormatException ex) {
                pageSize = -1;
            }
            if (pageSize < 1 || pageSize > MAX_LIMIT) {
                errors.add(new FieldError("limit", "must be a whole number from 1 to " + MAX_LIMIT));
            }
        }
        ActivityLogCursor after = null;
        if (cursor != null) {
            try {
                after = ActivityLogCursor.decode(cursor);
            } catch (IllegalArgumentException ex) {
                errors.add(new FieldError(
                        "cursor", "is not a cursor of this list; use the nextCursor of the previous page"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidParametersException(errors);
        }
        return new ActivityLogQuery(portfolioId, accountId, sinceInstant, pageSize, after);
    }
}
