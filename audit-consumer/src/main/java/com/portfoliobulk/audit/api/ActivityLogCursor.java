package com.portfoliobulk.audit.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The position of an entry in the newest-first order {@code (occurred_at DESC, entry_id DESC)}. A
 * client sees it only as an opaque string.
 *
 * @param occurredAt the entry's time, as stored (microseconds)
 * @param entryId the entry's id, which breaks ties between entries of the same time
 */
record ActivityLogCursor(Instant occurredAt, UUID entryId) {

    private static final String SEPARATOR = "|";

    String encode() {
        String position = occurredAt + SEPARATOR + entryId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads an encoded cursor.
     *
     * @throws IllegalArgumentException when it is not one
     */
    static ActivityLogCursor decode(String encoded) {
        try {
            String position = new String(Base64.getUrlDecoder().decode(encoded), StandardCharsets.UTF_8);
            int separator = position.indexOf(SEPARATOR);
            if (separator < 0) {
                throw new IllegalArgumentException("Not a cursor");
            }
            return new ActivityLogCursor(
                    Instant.parse(position.substring(0, separator)),
                    UUID.fromString(position.substring(separator + 1)));
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("Not a cursor", ex);
        }
    }
}
