package com.portfoliobulk.contracts;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The one reading of a time a client sends as a query parameter (the activity log's {@code since}): an
 * RFC 3339 date-time with its offset, {@code T} and {@code Z} in either case as RFC 3339 allows; empty
 * is absent, as for {@code limit} and {@code cursor}. The gateway checks it before anything else, so
 * that a client gets the same 400 whether the service behind it can be reached or not.
 */
public final class Rfc3339Times {

    /** The fix a refusal names, after the field: "'since' must be an RFC 3339 date-time ...". */
    public static final String MESSAGE = "must be an RFC 3339 date-time, e.g. 2026-01-31T09:30:00Z";

    private Rfc3339Times() {}

    /**
     * The time {@code text} names; {@code null} when it is null or empty.
     *
     * @throws DateTimeParseException when it is no RFC 3339 date-time with an offset
     */
    public static Instant parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT)).toInstant();
    }
}
