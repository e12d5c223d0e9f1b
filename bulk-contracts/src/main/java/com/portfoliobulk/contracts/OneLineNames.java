package com.portfoliobulk.contracts;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The rule for names a client gives things that other people read inside a sentence or pick from a
 * list (a custom role's name in the role lists, the invitation e-mails, the activity log's summaries
 * and the administration log, a SCIM token's name): one line, nothing that turns the direction of the
 * text around it, nothing invisible, and not only spaces.
 *
 * <ul>
 *   <li>Refused are line breaks (U+000A, U+000D, U+2028, U+2029) and the bidirectional embeddings,
 *       overrides, isolates and marks (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069): a
 *       line break or a direction control could make a summary read as another sentence ("... by
 *       owner@..."), or reorder its words. So is every other invisible formatting character (Unicode's
 *       general category Cf: U+00AD, U+200B to U+200D, U+2060, U+FEFF, the tags from U+E0001 ...):
 *       "Owner" followed by one reads as the Owner's role. So are the code points Unicode keeps default
 *       ignorable for characters still to come (U+2065, U+FFF0 to U+FFF8, U+E0000 to U+E0FFF but the
 *       assigned ones): they too show nothing. Other control characters are refused
 *       everywhere ({@link ControlCharacters}).
 *   <li>A name is kept in Unicode's composed form (NFC) without the spaces around it, any of Unicode's
 *       spaces (U+00A0, U+2007, U+3000 ...) counting as one ({@link #normalized}); one of spaces and
 *       characters that show nothing is blank ({@link #blank}).
 *   <li>Two names are the same name when they read the same ({@link #comparable}): compared in their
 *       compatibility form (NFKC: a no-break space, a full-width letter or a ligature is the plain
 *       one), in any case, with each run of spaces as one space and the characters that show nothing
 *       left out. Letters of other scripts that look alike (a Greek omicron for an "O") are other
 *       letters: that is not this rule's to tell.
 * </ul>
 */
public final class OneLineNames {

    /** The fix a refusal names, after the field: "'name' must be one line ...". */
    public static final String MESSAGE = "must be one line, without characters that change the text's direction";

    /** The fix the refusal of an invisible character names, after the field. */
    public static final String INVISIBLE = "may not contain invisible characters";

    private OneLineNames() {}

    /** The index of the first refused character of {@code name}, or -1 when it has none (or is null). */
    public static int indexIn(CharSequence name) {
        if (name == null) {
            return -1;
        }
        for (int i = 0; i < name.length(); ) {
            int c = Character.codePointAt(name, i);
            if (refused(c)) {
                return i;
            }
            i += Character.charCount(c);
        }
        return -1;
    }

    /**
     * What is wrong and the fix, for {@code name} that has a refused character: "must be one line,
     * without characters that change the text's direction (U+202E at position 5); remove it", or "may
     * not contain invisible characters (U+200B at position 6), with which a name reads as another or as
     * none; remove it". The position counts characters (code points) from 1.
     */
    public static String message(CharSequence name) {
        int index = indexIn(name);
        int c = Character.codePointAt(name, index);
        int position = Character.codePointCount(name, 0, index) + 1;
        return breaksLine(c)
                ? String.format("%s (U+%04X at position %d); remove it", MESSAGE, c, position)
                : String.format(
                        "%s (U+%04X at position %d), with which a name reads as another or as none; remove it",
                        INVISIBLE, c, position);
    }

    /**
     * A name stored before this rule, made safe to put in a sentence: each line break and direction
     * control becomes U+FFFD. Null stays null.
     */
    public static String shown(String name) {
        if (name == null) {
            return null;
        }
        boolean safe = true;
        for (int i = 0; i < name.length() && safe; i++) {
            safe = !breaksLine(name.charAt(i));
        }
        if (safe) {
            return name;
        }
        StringBuilder shown = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            shown.append(breaksLine(c) ? '\uFFFD' : c);
        }
        return shown.toString();
    }

    /**
     * {@code name} as it is kept: in Unicode's composed form (NFC, so that a letter and its accent sent
     * as two characters are the one character), without the spaces around it, any Unicode space (U+00A0,
     * U+3000 ...) as much as U+0020. Null stays null.
     */
    public static String normalized(String name) {
        if (name == null) {
            return null;
        }
        String composed = Normalizer.normalize(name, Normalizer.Form.NFC);
        int start = 0;
        int end = composed.length();
        while (start < end && space(composed.codePointAt(start))) {
            start += Character.charCount(composed.codePointAt(start));
        }
        while (end > start && space(composed.codePointBefore(end))) {
            end -= Character.charCount(composed.codePointBefore(end));
        }
        return composed.substring(start, end);
    }

    /**
     * Whether {@code name} shows nothing: null, empty, or only spaces (any Unicode space) and characters
     * that show nothing (formatting characters, variation selectors, Hangul fillers).
     */
    public static boolean blank(String name) {
        return name == null || name.codePoints().allMatch(c -> space(c) || invisible(c));
    }

    /**
     * The form two names are compared in: the same for names that read the same. In Unicode's
     * compatibility form (NFKC: "Owner" in full-width letters, with a no-break space, or with its
     * accents sent apart is "Owner"), case folded (ß is ss), without the characters that show nothing,
     * each run of spaces (any Unicode space) one U+0020, none around. Not shown to anyone.
     */
    public static String comparable(String name) {
        if (name == null) {
            return "";
        }
        String folded = Normalizer.normalize(name, Normalizer.Form.NFKC)
                .toUpperCase(Locale.ROOT)
                .toLowerCase(Locale.ROOT);
        folded = Normalizer.normalize(folded, Normalizer.Form.NFKC);
        StringBuilder compared = new StringBuilder(folded.length());
        boolean spaced = false;
        for (int i = 0; i < folded.length(); ) {
            int c = folded.codePointAt(i);
            i += Character.charCount(c);
            if (invisible(c)) {
                continue;
            }
            if (space(c)) {
                spaced = !compared.isEmpty();
                continue;
            }
            if (spaced) {
                compared.append(' ');
                spaced = false;
            }
            compared.appendCodePoint(c);
        }
        return Normalizer.normalize(compared, Normalizer.Form.NFKC);
    }

    private static boolean refused(int c) {
        return breaksLine(c) || Character.getType(c) == Character.FORMAT || reservedIgnorable(c);
    }

    /**
     * A code point Unicode keeps default ignorable although no character is assigned to it yet (U+2065,
     * U+FFF0 to U+FFF8, U+E0000, U+E0002 to U+E001F, U+E0080 to U+E00FF, U+E01F0 to U+E0FFF): text
     * shows it as nothing, now and once one is assigned there, so "Owner" followed by one reads as the
     * Owner's role.
     */
    private static boolean reservedIgnorable(int c) {
        return c == 0x2065
                || (c >= 0xFFF0 && c <= 0xFFF8)
                || c == 0xE0000
                || (c >= 0xE0002 && c <= 0xE001F)
                || (c >= 0xE0080 && c <= 0xE00FF)
                || (c >= 0xE01F0 && c <= 0xE0FFF);
    }

    private static boolean breaksLine(int c) {
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

    /** Any of Unicode's spaces (general category Z) or a Java whitespace character (a tab). */
    private static boolean space(int c) {
        return Character.isSpaceChar(c) || Character.isWhitespace(c);
    }

    /**
     * A character that shows nothing of its own (Unicode's default ignorable code points): the
     * formatting characters (Cf), refused in a new name, and those a name may hold for the character
     * before them or that stand for nothing: the combining grapheme joiner, the Hangul fillers, the
     * Khmer inherent vowels, the Mongolian and other variation selectors (an emoji's U+FE0F), and the
     * code points kept default ignorable for characters still to come ({@link #reservedIgnorable}).
     */
    private static boolean invisible(int c) {
        return Character.getType(c) == Character.FORMAT
                || reservedIgnorable(c)
                || c == 0x034F
                || c == 0x115F
                || c == 0x1160
                || c == 0x17B4
                || c == 0x17B5
                || (c >= 0x180B && c <= 0x180F)
                || c == 0x3164
                || (c >= 0xFE00 && c <= 0xFE0F)
                || c == 0xFFA0
                || (c >= 0xE0100 && c <= 0xE01EF);
    }
}
