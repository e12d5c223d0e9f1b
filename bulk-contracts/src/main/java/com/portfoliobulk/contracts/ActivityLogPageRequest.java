package com.portfoliobulk.contracts;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.contracts.paging.PageRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.UUID;

/**
 * The query parameters of a page of one account's activity log in a portfolio, read the one way by
 * the gateway and by the audit-consumer: the gateway reads them first, so that a client gets the same
 * 400 whether the audit-consumer can be reached or not, and one answer names every parameter that
 * cannot be used.
 *
 * @param since only entries that occurred at or after it, or {@code null}
 * @param paging the page size and where the previous page ended: a {@link Cursor} of the account's
 *     log in the portfolio ({@link #list}) holding the last entry's time and id
 */
public record ActivityLogPageRequest(Instant since, PageRequest paging) {

    private static final String LIST = "activity-log";

    /** The log of {@code accountId} in {@code portfolioId}: a cursor of another's is refused. */
    public static String list(UUID portfolioId, UUID accountId) {
        return Cursor.list(LIST, portfolioId, accountId);
    }

    /** The cursor after the entry {@code entryId}, which occurred at {@code occurredAt}. */
    public static Cursor after(UUID portfolioId, UUID accountId, Instant occurredAt, UUID entryId) {
        return Cursor.of(list(portfolioId, accountId), occurredAt, entryId);
    }

    /**
     * Reads {@code since}, {@code limit} and {@code cursor} as sent ({@code null} or empty when absent),
     * each on its own, and a cursor down to the time and id it holds.
     *
     * @throws Invalid naming every parameter that cannot be used
     */
    public static ActivityLogPageRequest read(
            UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        SequencedMap<String, String> problems = new LinkedHashMap<>();
        Instant sinceTime = null;
        try {
            sinceTime = Rfc3339Times.parse(since);
        } catch (DateTimeParseException ex) {
            problems.put("since", Rfc3339Times.MESSAGE);
        }
        PageRequest size = null;
        try {
            size = PageRequest.of(limit, null, LIST);
        } catch (InvalidPageRequestException ex) {
            problems.put(ex.parameter(), ex.getMessage());
        }
        Cursor after = null;
        try {
            after = PageRequest.of(null, cursor, list(portfolioId, accountId)).after();
            if (after != null) {
                after.instant(0);
                after.uuid(1);
            }
        } catch (InvalidPageRequestException ex) {
            problems.put(ex.parameter(), ex.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return new ActivityLogPageRequest(sinceTime, new PageRequest(size.limit(), after));
    }

    /** Query parameters that cannot be used: each parameter's name and what it must be, in order. */
    public static final class Invalid extends IllegalArgumentException {

        private final SequencedMap<String, String> problems;

        Invalid(SequencedMap<String, String> problems) {
            super("Invalid parameters: " + String.join(", ", problems.keySet()));
            this.problems = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(problems));
        }

        /** Each parameter that cannot be used and what it must be, in the order of the query's reading. */
        public SequencedMap<String, String> problems() {
            return problems;
        }
    }
}
