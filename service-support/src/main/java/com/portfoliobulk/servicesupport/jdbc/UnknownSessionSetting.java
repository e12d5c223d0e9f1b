package com.portfoliobulk.servicesupport.jdbc;

import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A connection PostgreSQL refused because it does not know a setting of the service's session options
 * ({@code BULK_DB_SESSION_OPTIONS}, the JDBC {@code options} sent when the session starts): a server
 * older than the setting. Every connection of the service is refused alike, so its start names the
 * setting and what to do in one line, rather than leave it to the driver's message in a stack trace.
 */
final class UnknownSessionSetting {

    /** PostgreSQL's undefined_object: what a session's start answers for a setting it does not know. */
    static final String UNDEFINED_OBJECT = "42704";

    /**
     * The setting of the gateway's default options that PostgreSQL has only from the minor releases of
     * August 2024 on.
     */
    static final String RESTRICT_NONSYSTEM_RELATION_KIND = "restrict_nonsystem_relation_kind";

    private static final Pattern SETTING = Pattern.compile("unrecognized configuration parameter \"([^\"]+)\"");

    private UnknownSessionSetting() {}

    /**
     * What to tell the operator when {@code failure}, a connection that failed, is PostgreSQL refusing
     * a session setting it does not know; empty for any other failure.
     */
    static Optional<String> explanation(SQLException failure) {
        if (!UNDEFINED_OBJECT.equals(failure.getSQLState())) {
            return Optional.empty();
        }
        // At a session's start the state alone says it; the name is read from the message when the
        // server writes its messages in English.
        Matcher named = SETTING.matcher(failure.getMessage() == null ? "" : failure.getMessage());
        return Optional.of(explanation(named.find() ? named.group(1) : null));
    }

    private static String explanation(String setting) {
        String named = setting == null ? "a setting" : "the setting \"" + setting + "\"";
        String common = "PostgreSQL refuses every connection: it does not know " + named
                + " of the service's session options (BULK_DB_SESSION_OPTIONS, the JDBC options; the"
                + " service's own default when unset). ";
        if (RESTRICT_NONSYSTEM_RELATION_KIND.equals(setting)) {
            return common
                    + "PostgreSQL has it from 12.20, 13.16, 14.13, 15.8 and 16.4 on, and in every 17: upgrade"
                    + " PostgreSQL to its latest minor release (README, \"Upgrading\"), and keep the setting,"
                    + " which keeps the worker's database role from running its code as the gateway's"
                    + " (README, \"Database roles\").";
        }
        return common
                + "Upgrade PostgreSQL to a release that has it (README, \"Upgrading\"), or leave it out of"
                + " BULK_DB_SESSION_OPTIONS.";
    }
}
