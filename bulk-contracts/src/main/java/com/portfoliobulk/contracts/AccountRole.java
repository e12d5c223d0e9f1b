package com.portfoliobulk.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A role a user holds on one account. The standard roles are constants; the type is a value rather
 * than an enum so that a portfolio's custom account roles travel the same way. On the wire a role is
 * its code, e.g. {@code "ANALYST"}; any well-formed code reads (whether a custom code is defined is
 * the portfolio's business, checked where the portfolio is known).
 *
 * @param code the role code: upper case letters, digits and underscores
 */
public record AccountRole(String code) {

    public static final AccountRole OWNER = new AccountRole("OWNER");
    public static final AccountRole ADMIN = new AccountRole("ADMIN");
    public static final AccountRole MANAGER = new AccountRole("MANAGER");
    public static final AccountRole ANALYST = new AccountRole("ANALYST");
    public static final AccountRole CAMPAIGN_COORDINATOR = new AccountRole("CAMPAIGN_COORDINATOR");
    public static final AccountRole CONTENT_CREATOR = new AccountRole("CONTENT_CREATOR");
    public static final AccountRole SUPPORT = new AccountRole("SUPPORT");

    /** The default role of an invitation when none is given. */
    public static final AccountRole DEFAULT_INVITATION_ROLE = SUPPORT;

    private static final List<AccountRole> STANDARD =
            List.of(OWNER, ADMIN, MANAGER, ANALYST, CAMPAIGN_COORDINATOR, CONTENT_CREATOR, SUPPORT);

    public AccountRole {
        Objects.requireNonNull(code, "code");
        if (!isCode(code)) {
            throw new IllegalArgumentException("Role code must be upper case letters, digits and underscores: " + code);
        }
    }

    /**
     * Reads a role code, standard or custom, case-insensitively.
     *
     * @throws IllegalArgumentException when the code is not upper case letters, digits and underscores
     */
    @JsonCreator
    public static AccountRole fromCode(String code) {
        Objects.requireNonNull(code, "code");
        for (AccountRole standard : STANDARD) {
            if (standard.code.equals(code)) {
                return standard;
            }
        }
        String normalized = code.trim().toUpperCase(Locale.ROOT);
        if (!isCode(normalized)) {
            throw new IllegalArgumentException(
                    "Role " + Quoted.of(code) + " is not a role code (letters, digits and underscores,"
                            + " starting with a letter, at most 64); standard roles: " + standardCodes());
        }
        return STANDARD.stream()
                .filter(role -> role.code.equals(normalized))
                .findFirst()
                .orElseGet(() -> new AccountRole(normalized));
    }

    /**
     * Whether {@code code} is upper case letters, digits and underscores, starting with a letter, at most
     * 64 characters ({@code [A-Z][A-Z0-9_]{0,63}}); checked without a regular expression, as every role
     * of every task record is.
     */
    private static boolean isCode(String code) {
        int length = code.length();
        if (length == 0 || length > 64) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = code.charAt(i);
            boolean letter = c >= 'A' && c <= 'Z';
            if (!(letter || (i > 0 && ((c >= '0' && c <= '9') || c == '_')))) {
                return false;
            }
        }
        return true;
    }

    /** Whether this is one of the standard roles, rather than a portfolio's custom role. */
    public boolean isStandard() {
        return STANDARD.contains(this);
    }

    /**
     * Parses a standard role code, case-insensitively.
     *
     * @throws IllegalArgumentException when the code is not a known role
     */
    public static AccountRole of(String code) {
        Objects.requireNonNull(code, "code");
        String normalized = code.trim().toUpperCase(Locale.ROOT);
        return STANDARD.stream()
                .filter(role -> role.code.equals(normalized))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("Unknown role '" + code + "'; known roles: " + standardCodes()));
    }

    /** The standard roles, in order of decreasing privilege. */
    public static List<AccountRole> standardRoles() {
        return STANDARD;
    }

    /** The standard role codes, for messages. */
    public static String standardCodes() {
        return String.join(", ", STANDARD.stream().map(AccountRole::code).toList());
    }

    /** Whether this is the account Owner role, which portfolio bulk tools never grant, change or remove. */
    public boolean isOwner() {
        return equals(OWNER);
    }

    /**
     * The name a person reads, in English, e.g. "Campaign coordinator"; a custom role's is its code in
     * words. See {@link #displayName(Locale)}.
     */
    public String displayName() {
        return displayName(Locale.ENGLISH);
    }

    /**
     * The name a person reads in a language: a standard role's in the locale's primary language
     * ({@code de-CH} reads {@code de}: "Kampagnenkoordinator"), one of {@link InvitationLanguages},
     * else in English; a custom role's is its code in words in every language ("REGIONAL_LEAD" reads
     * "Regional lead"; the name a portfolio configured for it is the portfolio's). The names are one
     * set, {@code role-names*.properties} in this package, which the e-mails and the console read.
     */
    public String displayName(Locale locale) {
        String name = isStandard() ? RoleNames.of(code, locale) : null;
        if (name != null) {
            return name;
        }
        String words = code.replace('_', ' ').toLowerCase(Locale.ROOT);
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    @JsonValue
    @Override
    public String code() {
        return code;
    }

    @Override
    public String toString() {
        return code;
    }
}
