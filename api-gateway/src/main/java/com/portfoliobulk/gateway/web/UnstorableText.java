package com.portfoliobulk.gateway.web;

import java.sql.SQLException;
import java.util.Set;

/**
 * The safety net behind the checks of what clients send: PostgreSQL refusing a text it cannot store
 * (SQL state {@code 22021}, a {@code \u0000} or invalid UTF-8; {@code 22P05}, a {@code \u0000} in
 * JSON) was caused by the request, so it answers 400, never 500. The checks at the edges (JSON
 * strings, query parameters, cursors, SCIM attributes and filters) refuse such text first, naming
 * its field; this only catches what they would miss.
 */
public final class UnstorableText {

    /** What the client is told when the net catches something. */
    public static final String DETAIL =
            "The request contains text the service cannot store (a control character such as U+0000); remove it.";

    private static final Set<String> SQL_STATES = Set.of("22021", "22P05");

    private UnstorableText() {}

    /** Whether {@code ex} is the database refusing text the request brought. */
    public static boolean isCause(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && SQL_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
