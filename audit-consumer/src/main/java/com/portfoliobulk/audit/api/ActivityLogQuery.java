package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.Rfc3339Times;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.servicesupport.web.FieldError;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * What to read of one account's activity log.
 *
 * @param portfolioId the portfolio the entries were initiated from
 * @param accountId the account
 * @param since only entries that occurred at or after it, or {@code null}
 * @param paging the page size and where the previous page ended: a {@link Cursor} of the list
 *     {@value #LIST} of the account in the portfolio ({@link #list}) holding the last entry's time and id
 */
record ActivityLogQuery(UUID portfolioId, UUID accountId, Instant since, PageRequest paging) {

    static final String LIST = "activity-log";

    /**
     * The earliest and the latest time a query compares entries with. Java reads times from year
     * -999,999,999 to 999,999,999, PostgreSQL holds 4713 BC to 294276 AD only; every entry lies
     * between these two, so a time outside them selects the same entries as the nearer one.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    ActivityLogQuery {
        since = within(since);
    }

    /** The time of the entry the previous page ended with. */
    Instant afterOccurredAt() {
        return paging.after() == null ? null : within(paging.after().instant(0));
    }

    private static Instant within(Instant time) {
        if (time == null) {
            return null;
        }
        return time.isBefore(EARLIEST) ? EARLIEST : time.isAfter(LATEST) ? LATEST : time;
    }

    /** The id of the entry the previous page ended with. */
    UUID afterEntryId() {
        return paging.after() == null ? null : paging.after().uuid(1);
    }

    /** The cursor after {@code entry}, of this account's log in this portfolio. */
    Cursor after(ActivityLogEntry entry) {
        return Cursor.of(list(portfolioId, accountId), entry.occurredAt(), entry.entryId());
    }

    /** The account's log in the portfolio: a cursor of another account's or portfolio's is refused. */
    static String list(UUID portfolioId, UUID accountId) {
        return Cursor.list(LIST, portfolioId, accountId);
    }

    /**
     * Reads the query parameters.
     *
     * @throws InvalidParametersException naming every parameter that is not valid
     */
    static ActivityLogQuery parse(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        List<FieldError> errors = new ArrayList<>();
        Instant sinceInstant = null;
        try {
            sinceInstant = Rfc3339Times.parse(since);
        } catch (DateTimeParseException ex) {
            errors.add(new FieldError("since", Rfc3339Times.MESSAGE));
        }
        // Limit and cursor are checked one by one, so that a problem names both when both are wrong.
        PageRequest size = check(errors, () -> PageRequest.of(limit, null, LIST));
        PageRequest after = check(errors, () -> {
            PageRequest request = PageRequest.of(null, cursor, list(portfolioId, accountId));
            if (request.after() != null) {
                request.after().instant(0);
                request.after().uuid(1);
            }
            return request;
        });
        if (!errors.isEmpty()) {
            throw new InvalidParametersException(errors);
        }
        return new ActivityLogQuery(portfolioId, accountId, sinceInstant, new PageRequest(size.limit(), after.after()));
    }

    private static PageRequest check(List<FieldError> errors, Supplier<PageRequest> reading) {
        try {
            return reading.get();
        } catch (InvalidPageRequestException ex) {
            errors.add(new FieldError(ex.parameter(), ex.getMessage()));
            return null;
        }
    }
}
