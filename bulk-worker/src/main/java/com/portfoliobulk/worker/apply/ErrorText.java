package com.portfoliobulk.worker.apply;

import java.sql.SQLException;
import org.springframework.core.NestedExceptionUtils;

/** A failure as a task's {@code error}: one short line for a person, no stack trace, no statement. */
final class ErrorText {

    private static final int MAX_LENGTH = 300;

    private ErrorText() {}

    static String of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                String message = firstLine(sql.getMessage());
                if (message.startsWith("ERROR: ")) {
                    message = message.substring("ERROR: ".length());
                }
                return shorten("Database error " + sql.getSQLState() + ": " + message);
            }
        }
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(failure);
        String message = firstLine(cause.getMessage());
        return shorten(message.isEmpty() ? cause.getClass().getSimpleName() : message);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }

    private static String shorten(String text) {
        return text.length() <= MAX_LENGTH ? text : text.substring(0, MAX_LENGTH - 1) + "…";
    }
}
