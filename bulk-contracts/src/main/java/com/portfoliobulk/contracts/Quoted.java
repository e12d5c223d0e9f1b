package com.portfoliobulk.contracts;

/**
 * A client's value as a problem message repeats it: quoted, and cut after {@value #MAX_CODE_POINTS}
 * characters, so that a long value never pushes the fix that follows it out of the message (a
 * message is bounded in length).
 */
public final class Quoted {

    /** The most characters of the value repeated. */
    public static final int MAX_CODE_POINTS = 80;

    private Quoted() {}

    /** {@code 'value'}, or its first characters and an ellipsis when it is longer. */
    public static String of(Object value) {
        String text = String.valueOf(value);
        if (TextLength.of(text) <= MAX_CODE_POINTS) {
            return "'" + text + "'";
        }
        return "'" + text.substring(0, text.offsetByCodePoints(0, MAX_CODE_POINTS)) + "…'";
    }
}
