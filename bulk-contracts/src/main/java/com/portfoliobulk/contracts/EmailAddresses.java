package com.portfoliobulk.contracts;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The one rule for the e-mail addresses the product stores and writes to (invitees, users an identity
 * provider provisions): an address an SMTP server takes as it is. The local part is a dot-atom of
 * RFC 5322 in ASCII (letters, digits and {@code !#$%&'*+/=?^_`{|}~-}, dots between them, at most 64
 * characters; no quoted local parts); the domain is two or more labels of letters, digits and inner
 * hyphens (at most 63 characters each), the last one not all digits; at most 254 characters in all.
 * A domain may be typed in Unicode ({@code müller.de}): it is taken in its ASCII form, as IDNA writes
 * it ({@code xn--mller-kva.de}, {@link IDN#toASCII} with the STD3 rules), and the limits apply to that
 * form. An address such as {@code <script>@x.example} is refused where it enters, not stored and then
 * refused by the mailer.
 *
 * <p>Every address is stored as {@link #stored} gives it: in ASCII, lower-cased. The local part is
 * lower-cased only as ASCII, so a character outside ASCII that lower-cases to an ASCII letter (U+212A
 * KELVIN SIGN to k) is refused rather than taken for another address; a Unicode domain is mapped by
 * IDNA, which lower-cases it as DNS names compare.
 */
public final class EmailAddresses {

    /** The longest address: the longest path SMTP carries (RFC 5321), less its angle brackets. */
    public static final int MAX_LENGTH = 254;

    /** The rule in a client's words, for the problems that refuse an address. */
    public static final String RULE =
            "a name of ASCII letters, digits, single dots and !#$%&'*+/=?^_`{|}~- (at most 64), then @ and a"
                    + " domain such as brand.example, in ASCII or in Unicode (kept in its ASCII xn-- form, as IDNA"
                    + " writes it); 254 characters at most in all, the domain in that form";

    private static final int MAX_LOCAL_PART = 64;

    /**
     * The most characters of an address as typed: its ASCII form is at most {@value #MAX_LENGTH}, and
     * a Unicode domain is seldom longer than that form (IDNA maps a few characters to none).
     */
    private static final int MAX_TYPED_LENGTH = 4 * MAX_LENGTH;

    private static final String ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";

    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

    private static final Pattern LOCAL_PART = Pattern.compile(ATOM + "(?:\\." + ATOM + ")*");

    private static final Pattern DOMAIN = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*\\.(?![0-9]+$)" + LABEL);

    /**
     * The characters IDNA 2003 (Java's {@link IDN}) and IDNA 2008 write differently: sharp s, final
     * sigma, zero-width non-joiner and joiner. {@code straße.de} is {@code strasse.de} by the one and
     * {@code xn--strae-oqa.de} by the other, two domains with owners of their own: a domain with one of
     * them is taken in its xn-- form only, so that no invitation goes to the other.
     */
    private static final Pattern DEVIATIONS = Pattern.compile("[\\u00DF\\u03C2\\u200C\\u200D]");

    /** What separates the labels of a domain for IDNA: the full stop and its ideographic and full-width forms. */
    private static final Pattern LABEL_SEPARATORS = Pattern.compile("[.\\u3002\\uFF0E\\uFF61]");

    /**
     * The points IDNA 2008 lets stand between the letters of a label (CONTEXTO): the Catalan middle
     * dot, the Greek lower numeral sign, the Hebrew geresh and gershayim, the katakana middle dot.
     */
    private static final String JOINING_POINTS = "\u00B7\u0375\u05F3\u05F4\u30FB";

    private static final String DEVIATION_REFUSAL = "its domain has \u00DF, \u03C2 or a zero-width joiner (U+200C,"
            + " U+200D), which IDNA 2003 and 2008 write differently: type the domain in its ASCII xn-- form";

    private static final String LOCAL_PART_REFUSAL =
            "the name before @ may only have ASCII characters (the domain may be in Unicode): ";

    private EmailAddresses() {}

    /** Whether {@code address} (as given, not stripped) is an address by this rule. */
    public static boolean isValid(String address) {
        return stored(address).isPresent();
    }

    /**
     * The address as the product stores it and writes to: its domain in ASCII (a Unicode one in its
     * xn-- form), all lower-cased; empty when {@code address} (as given, not stripped) is no address by
     * this rule. An address stored already answers itself.
     */
    public static Optional<String> stored(String address) {
        if (address == null || address.length() > MAX_TYPED_LENGTH) {
            return Optional.empty();
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at > MAX_LOCAL_PART) {
            return Optional.empty();
        }
        String localPart = address.substring(0, at);
        if (!LOCAL_PART.matcher(localPart).matches()) {
            return Optional.empty();
        }
        String domain = ascii(address.substring(at + 1));
        if (domain == null || !DOMAIN.matcher(domain).matches()) {
            return Optional.empty();
        }
        String stored = (localPart + "@" + domain).toLowerCase(Locale.ROOT);
        return stored.length() <= MAX_LENGTH ? Optional.of(stored) : Optional.empty();
    }

    /**
     * Why {@code address}, refused by this rule, is refused, in a client's words: the {@link #RULE},
     * after the reason when it is one the rule does not make plain (a name before @ outside ASCII, a
     * domain IDNA versions write differently).
     */
    public static String refusal(String address) {
        if (address != null) {
            int at = address.lastIndexOf('@');
            if (at > 0 && !isAscii(address.substring(0, at))) {
                return LOCAL_PART_REFUSAL + RULE;
            }
            if (at >= 0 && DEVIATIONS.matcher(address.substring(at + 1)).find()) {
                return DEVIATION_REFUSAL;
            }
        }
        return RULE;
    }

    /**
     * A text to look for in stored addresses ({@code @müller.de}, {@code müller}), as they hold it: each
     * label outside ASCII of its domain part (after its last @, or all of it without one; a name before
     * @ is ASCII, so any character outside ASCII is the domain's) in its xn-- form. Such a label finds
     * whole labels only ({@code müll} is no part of {@code xn--mller-kva}); one IDNA cannot write, or
     * one IDNA versions write differently, is left as it is and finds nothing. A text of ASCII alone is
     * answered as it is.
     */
    public static String searchText(String text) {
        if (text == null || isAscii(text)) {
            return text;
        }
        int domainStart = text.lastIndexOf('@') + 1;
        StringBuilder searched = new StringBuilder(text.substring(0, domainStart));
        String[] labels = LABEL_SEPARATORS.split(text.substring(domainStart), -1);
        for (int i = 0; i < labels.length; i++) {
            if (i > 0) {
                searched.append('.');
            }
            String ascii = asciiLabel(labels[i]);
            searched.append(ascii == null ? labels[i] : ascii);
        }
        return searched.toString();
    }

    /**
     * The domain in ASCII, as IDNA writes it; null when IDNA cannot, when its versions write it
     * differently, or when a label outside ASCII has a character no domain of IDNA 2008 has.
     */
    private static String ascii(String domain) {
        if (isAscii(domain)) {
            return domain;
        }
        StringBuilder ascii = new StringBuilder(domain.length() + 16);
        String[] labels = LABEL_SEPARATORS.split(domain, -1);
        for (int i = 0; i < labels.length; i++) {
            String label = asciiLabel(labels[i]);
            if (label == null) {
                return null;
            }
            ascii.append(i > 0 ? "." : "").append(label);
        }
        return ascii.toString();
    }

    /**
     * One label in ASCII, as IDNA writes it ({@link IDN#toASCII} with the STD3 rules), or null. Java's
     * IDNA (of 2003) also takes symbols and punctuation ({@code ♥}, {@code 、}), which IDNA 2008, the
     * registries' and mail systems' rule, refuses: a label outside ASCII is taken when, as IDNA maps it,
     * it holds only letters, digits and marks (and the few joining points IDNA 2008 lets stand between
     * them, such as the Catalan middle dot), besides ASCII letters, digits and hyphens.
     */
    private static String asciiLabel(String label) {
        if (isAscii(label)) {
            return label;
        }
        if (DEVIATIONS.matcher(label).find()) {
            return null;
        }
        try {
            String ascii = IDN.toASCII(label, IDN.USE_STD3_ASCII_RULES);
            boolean letters = IDN.toUnicode(ascii, IDN.USE_STD3_ASCII_RULES)
                    .codePoints()
                    .allMatch(c ->
                            c < 0x80 || Character.isLetterOrDigit(c) || isMark(c) || JOINING_POINTS.indexOf(c) >= 0);
            return letters ? ascii : null;
        } catch (IllegalArgumentException notALabel) {
            return null;
        }
    }

    private static boolean isMark(int codePoint) {
        int type = Character.getType(codePoint);
        return type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }
}
