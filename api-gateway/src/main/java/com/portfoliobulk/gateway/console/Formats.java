package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.portfolio.AdminLogAction;
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

    /**
     * The name a person reads for each change the administration log records, by its code: one for every
     * {@link AdminLogAction}, which the API answers as the entry's {@code action}.
     */
    static final Map<String, String> ADMIN_LOG_ACTIONS = Map.ofEntries(
            Map.entry(AdminLogAction.PORTFOLIO_USER_ADDED.name(), "Portfolio user added"),
            Map.entry(AdminLogAction.PORTFOLIO_ROLE_CHANGED.name(), "Portfolio role changed"),
            Map.entry(AdminLogAction.PORTFOLIO_USER_REMOVED.name(), "Portfolio user removed"),
            Map.entry(AdminLogAction.PORTFOLIO_ROLE_DEFINED.name(), "Custom portfolio role defined"),
            Map.entry(AdminLogAction.PORTFOLIO_ROLE_DELETED.name(), "Custom portfolio role deleted"),
            Map.entry(AdminLogAction.ACCOUNT_ROLE_DEFINED.name(), "Custom account role defined"),
            Map.entry(AdminLogAction.ACCOUNT_ROLE_DELETED.name(), "Custom account role deleted"),
            Map.entry(AdminLogAction.OWNER_TRANSFER_REQUESTED.name(), "Ownership offered"),
            Map.entry(AdminLogAction.OWNER_TRANSFER_WITHDRAWN.name(), "Ownership offer withdrawn"),
            Map.entry(AdminLogAction.OWNER_TRANSFER_ACCEPTED.name(), "Ownership accepted"),
            Map.entry(AdminLogAction.ACCOUNT_LINKED.name(), "Account linked"),
            Map.entry(AdminLogAction.ACCOUNT_UNLINKED.name(), "Account unlinked"),
            Map.entry(AdminLogAction.PORTFOLIO_CLOSE_STARTED.name(), "Portfolio close started"),
            Map.entry(AdminLogAction.PORTFOLIO_CLOSED.name(), "Portfolio closed"));

    /** The name a person reads for a role code, e.g. "Campaign coordinator". */
    public String role(Object code) {
        return code == null ? "" : new AccountRole(code.toString()).displayName();
    }

    /** The name a person reads for a role code: the page's name for it (a custom role's), else {@link #role(Object)}. */
    public String role(Object code, Map<?, ?> names) {
        Object name = code == null || names == null ? null : names.get(code.toString());
        return name == null ? role(code) : name.toString();
    }

    /**
     * The name a person reads for the change an administration log entry records, e.g. "Portfolio role
     * changed" for {@code PORTFOLIO_ROLE_CHANGED}; a code it has no name for (a newer gateway's) in words.
     */
    public String adminLogAction(Object code) {
        String name = code == null ? null : ADMIN_LOG_ACTIONS.get(code.toString());
        return name == null ? words(code) : name;
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
