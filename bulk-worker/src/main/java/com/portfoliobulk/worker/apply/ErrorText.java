package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.servicesupport.logging.FailureText;

/**
 * A failure as a task's {@code error}: one short line for a person, no stack trace, no statement
 * ({@link FailureText}, as the log has it).
 *
 * <p>Every text that becomes a task's error goes through here, and it may quote a record: Jackson's
 * message about an unreadable record quotes the value it could not read, control characters included.
 * Each control character (but tab and line ends) becomes U+FFFD: PostgreSQL cannot store U+0000 in
 * text, and refused, the error would fail the task's batch on every delivery without ever counting an
 * attempt, holding up every later task of its partition.
 */
final class ErrorText {

    private static final int MAX_LENGTH = 300;

    private ErrorText() {}

    static String of(Throwable failure) {
        return stored(FailureText.of(failure));
    }

    /**
     * The text as stored: each control character but tab and line ends replaced by U+FFFD, at most
     * {@value #MAX_LENGTH} characters.
     */
    private static String stored(String text) {
        String visible = ControlCharacters.replacedIn(text);
        return visible.length() <= MAX_LENGTH ? visible : visible.substring(0, MAX_LENGTH - 1) + "…";
    }
}
