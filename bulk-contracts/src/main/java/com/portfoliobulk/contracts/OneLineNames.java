package com.portfoliobulk.contracts;

/**
 * The rule for names a client gives things that other people read inside a sentence (a custom role's
 * name in the activity log's summaries and the administration log, a SCIM token's name): one line, and
 * no character that turns the direction of the text around it. A line break or a direction control in
 * a name could make a summary read as another sentence ("... by owner@..."), or reorder its words.
 * Refused are line breaks (U+000A, U+000D, U+2028, U+2029) and the bidirectional embeddings,
 * overrides, isolates and marks (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069); other
 * control characters are refused everywhere ({@link ControlCharacters}).
 */
public final class OneLineNames {

    /** The fix a refusal names, after the field: "'name' must be one line ...". */
    public static final String MESSAGE = "must be one line, without characters that change the text's direction";

    private OneLineNames() {}

    /** The index of the first refused character of {@code name}, or -1 when it has none (or is null). */
    public static int indexIn(CharSequence name) {
        if (name == null) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (refused(name.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * What is wrong and the fix, for {@code name} that has a refused character: "must be one line,
     * without characters that change the text's direction (U+202E at position 5); remove it".
     */
    public static String message(CharSequence name) {
        int index = indexIn(name);
        return String.format("%s (U+%04X at position %d); remove it", MESSAGE, (int) name.charAt(index), index + 1);
    }

    /**
     * A name stored before this rule, made safe to put in a sentence: each refused character becomes
     * U+FFFD. Null stays null.
     */
    public static String shown(String name) {
        if (indexIn(name) < 0) {
            return name;
        }
        StringBuilder shown = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            shown.append(refused(c) ? '\uFFFD' : c);
        }
        return shown.toString();
    }

    private static boolean refused(char c) {
        return c == '\n'
                || c == '\r'
                || c == '\u2028'
                || c == '\u2029'
                || c == '\u061C'
                || c == '\u200E'
                || c == '\u200F'
                || (c >= '\u202A' && c <= '\u202E')
                || (c >= '\u2066' && c <= '\u2069');
    }
}
