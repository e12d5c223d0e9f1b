package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.ActivityLogPageRequest;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.servicesupport.web.FieldError;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import java.time.Instant;
import java.util.UUID;

/**
 * What to read of one account's activity log.
 *
 * @param portfolioId the portfolio the entries were initiated from
 * @param accountId the account
 * @param since only entries that occurred at or after it, or {@code null}
 * @param paging the page size and where the previous page ended ({@link ActivityLogPageRequest})
 */
record ActivityLogQuery(UUID portfolioId, UUID accountId, Instant since, PageRequest paging) {

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
        return ActivityLogPageRequest.after(portfolioId, accountId, entry.occurredAt(), entry.entryId());
    }

    /**
     * Reads the query parameters.
     *
     * @throws InvalidParametersException naming every parameter that is not valid
     */
    static ActivityLogQuery parse(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        try {
            ActivityLogPageRequest request = ActivityLogPageRequest.read(portfolioId, accountId, since, limit, cursor);
            return new ActivityLogQuery(portfolioId, accountId, request.since(), request.paging());
        } catch (ActivityLogPageRequest.Invalid ex) {
            throw new InvalidParametersException(ex.problems().entrySet().stream()
                    .map(problem -> new FieldError(problem.getKey(), problem.getValue()))
                    .toList());
        }
    }
}
