package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** How the templates show codes and times ({@code ${fmt.role(...)}}; public methods, for SpEL). */
final class Formats {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    /** The name a person reads for a role code, e.g. "Campaign coordinator". */
    public String role(Object code) {
        return code == null ? "" : new AccountRole(code.toString()).displayName();
    }

    /** The name a person reads for a role code: the page's name for it (a custom role's), else {@link #role(Object)}. */
    public String role(Object code, Map<?, ?> names) {
        Object name = code == null || names == null ? null : names.get(code.toString());
        return name == null ? role(code) : name.toString();
    }

    /** The words for an enum-like code, e.g. "Completed with errors". */
    public String words(Object code) {
        if (code == null) {
            return "";
        }
        String words = code.toString().replace('_', ' ').toLowerCase(Locale.ROOT);
        return words.isEmpty() ? words : Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    /**
     * A configured duration as a person reads it, in the largest unit it is a whole number of, up to
     * hours: "24 hours", "90 minutes", "1 minute", "30 seconds".
     */
    public String duration(Duration duration) {
        long seconds = duration.toSeconds();
        if (duration.toNanos() % 1_000_000_000L != 0) {
            return count(duration.toMillis(), "millisecond");
        }
        if (seconds != 0 && seconds % 3600 == 0) {
            return count(seconds / 3600, "hour");
        }
        if (seconds != 0 && seconds % 60 == 0) {
            return count(seconds / 60, "minute");
        }
        return count(seconds, "second");
    }

    private static String count(long count, String unit) {
        return count + " " + unit + (count == 1 ? "" : "s");
    }

    /** An RFC 3339 time of the API as a person reads it. */
    public String time(Object value) {
        if (value == null) {
            return "";
        }
        try {
            return TIME.format(Instant.parse(value.toString()));
        } catch (RuntimeException ex) {
            return value.toString();
        }
    }
}
