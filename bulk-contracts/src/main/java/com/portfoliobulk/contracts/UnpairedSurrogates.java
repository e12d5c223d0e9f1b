package com.portfoliobulk.contracts;

/**
 * The rule for surrogates in text a client sends (JSON strings of every body the gateway reads, SCIM
 * attributes, the operator and reason of a dead letter's re-drive on the worker): a
 * surrogate is accepted only as half of a pair, which together make one character (an emoji,
 * {@code \ud83d\ude00}). A JSON escape can name one half alone ({@code "Lead\ud800"}), which is no
 * character: it cannot be written as UTF-8, and the database driver stores it as '?', so the text
 * read back would not be the text accepted.
 */
public final class UnpairedSurrogates {

    /** The fix a refusal names, after the field: "'name' may not contain half of a surrogate pair ...". */
    public static final String MESSAGE = "may not contain half of a surrogate pair without the other";

    private UnpairedSurrogates() {}

    /** The index of the first surrogate of {@code text} that is not half of a pair, or -1 (also for null). */
    public static int indexIn(CharSequence text) {
        if (text == null) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code text} has a surrogate that is not half of a pair. */
    public static boolean in(CharSequence text) {
        return indexIn(text) >= 0;
    }

    /**
     * What is wrong and the fix, for {@code text} that has one: "may not contain half of a surrogate
     * pair without the other (U+D800 at position 5); send the whole character or remove it".
     */
    public static String message(CharSequence text) {
        int index = indexIn(text);
        return String.format(
                "%s (U+%04X at position %d); send the whole character or remove it",
                MESSAGE, (int) text.charAt(index), index + 1);
    }
}
