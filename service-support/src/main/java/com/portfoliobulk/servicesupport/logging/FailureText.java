package com.portfoliobulk.servicesupport.logging;

import java.sql.SQLException;
import org.springframework.core.NestedExceptionUtils;

/**
 * A failure in one line, as the services log it and as the bulk-worker stores it as a task's error: a
 * database's error as {@code Database error <SQLSTATE>: <the first line of its message>}, else the first
 * line of the most specific cause's message (its class's name when it has none); no stack trace, no
 * statement.
 *
 * <p>Only the first line: PostgreSQL's message about a row it refuses goes on with lines that quote the
 * row ({@code Detail: Failing row contains (…)}, {@code Detail: Key (email)=(…) already exists}), with
 * the e-mail addresses it holds, which no log line is to carry.
 */
public final class FailureText {

    private FailureText() {}

    public static String of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause instanceof SQLException sql) {
                String message = firstLine(sql.getMessage());
                if (message.startsWith("ERROR: ")) {
                    message = message.substring("ERROR: ".length());
                }
                return "Database error " + sql.getSQLState() + ": " + message;
            }
        }
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        String message = firstLine(cause.getMessage());
        return message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }

    private static Throwable next(Throwable cause) {
        Throwable next = cause.getCause();
        return next == cause ? null : next;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }
}
