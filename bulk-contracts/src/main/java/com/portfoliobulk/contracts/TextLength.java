package com.portfoliobulk.contracts;

/**
 * The length of a text as its reader counts it, and as PostgreSQL's {@code length()} and
 * {@code varchar(n)} do: in Unicode characters (code points). {@link String#length()} counts UTF-16
 * units, two for an emoji or any other character beyond U+FFFF, so a limit checked with it would refuse
 * a name the database holds and the documentation allows.
 */
public final class TextLength {

    private TextLength() {}

    /** The number of Unicode characters in {@code text}. */
    public static int of(String text) {
        return text.codePointCount(0, text.length());
    }
}
