package com.portfoliobulk.contracts;

/**
 * The one rule for control characters in text a client sends (JSON strings, query parameters, paging
 * cursors, SCIM attributes and filters): none is accepted, except tab, line feed and carriage
 * return. Control characters are U+0000 to U+001F and U+007F to U+009F ({@link
 * Character#isISOControl}); PostgreSQL cannot store U+0000 at all, and the others are never part of
 * an address, a name or a code.
 */
public final class ControlCharacters {

    /** The fix a refusal names, after the field: "'name' may not contain control characters ...". */
    public static final String MESSAGE = "may not contain control characters";

    private ControlCharacters() {}

    /** The index of the first control character of {@code text}, or -1 when it has none (or is null). */
    public static int indexIn(CharSequence text) {
        if (text == null) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code text} has a control character that is refused. */
    public static boolean in(CharSequence text) {
        return indexIn(text) >= 0;
    }

    /**
     * Text that is not a client's (a webhook receiver's answer, an error a library wrote) made storable
     * and safe to show: each control character that is refused becomes U+FFFD. Null stays null.
     */
    public static String replacedIn(String text) {
        if (indexIn(text) < 0) {
            return text;
        }
        StringBuilder replaced = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            replaced.append(Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
        }
        return replaced.toString();
    }

    /**
     * What is wrong and the fix, for {@code text} that has one: "may not contain control characters
     * (U+0000 at position 2); remove it".
     */
    public static String message(CharSequence text) {
        int index = indexIn(text);
        return String.format("%s (U+%04X at position %d); remove it", MESSAGE, (int) text.charAt(index), index + 1);
    }
}
