package com.portfoliobulk.contracts;

import java.util.regex.Pattern;

/**
 * The one rule for the e-mail addresses the product stores and writes to (invitees, users an identity
 * provider provisions): an address an SMTP server takes as it is. The local part is a dot-atom of
 * RFC 5322 (letters, digits and {@code !#$%&'*+/=?^_`{|}~-}, dots between them, at most 64
 * characters; no quoted local parts); the domain is two or more labels of letters, digits and inner
 * hyphens (at most 63 characters each), the last one not all digits; at most 254 characters in all.
 * An address such as {@code <script>@x.example} is refused where it enters, not stored and then
 * refused by the mailer.
 */
public final class EmailAddresses {

    /** The longest address: the longest path SMTP carries (RFC 5321), less its angle brackets. */
    public static final int MAX_LENGTH = 254;

    /** The rule in a client's words, for the problems that refuse an address. */
    public static final String RULE = "a name of letters, digits, single dots and !#$%&'*+/=?^_`{|}~- (at most 64),"
            + " then @ and a domain such as brand.example, 254 characters at most in all";

    private static final int MAX_LOCAL_PART = 64;

    private static final String ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";

    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

    private static final Pattern ADDRESS =
            Pattern.compile(ATOM + "(?:\\." + ATOM + ")*@" + LABEL + "(?:\\." + LABEL + ")*\\.(?![0-9]+$)" + LABEL);

    private EmailAddresses() {}

    /** Whether {@code address} (as given, not stripped) is an address by this rule. */
    public static boolean isValid(String address) {
        if (address == null || address.length() > MAX_LENGTH) {
            return false;
        }
        int at = address.indexOf('@');
        return at > 0 && at <= MAX_LOCAL_PART && ADDRESS.matcher(address).matches();
    }
}
