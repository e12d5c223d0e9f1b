package com.portfoliobulk.gateway.scim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;

/**
 * The filters identity providers send to find a user before creating or updating one:
 * {@code userName eq "..."}, {@code externalId eq "..."} and {@code id eq "..."}. Others answer 400
 * {@code invalidFilter}.
 *
 * @param attribute what to compare
 * @param value the value compared with (unescaped)
 */
record ScimFilter(Attribute attribute, String value) {

    private static final Pattern EQUALS = Pattern.compile(
            "^\\s*(userName|externalId|id)\\s+eq\\s+\"((?:[^\"\\\\]|\\\\.)*)\"\\s*$", Pattern.CASE_INSENSITIVE);

    enum Attribute {
        USER_NAME,
        EXTERNAL_ID,
        ID
    }

    /** The filter, or null for none. */
    static ScimFilter parse(String filter) {
        if (filter == null || filter.isBlank()) {
            return null;
        }
        Matcher matcher = EQUALS.matcher(filter);
        if (!matcher.matches()) {
            throw new ScimException(
                    HttpStatus.BAD_REQUEST,
                    "invalidFilter",
                    "Supported filters: userName eq \"...\", externalId eq \"...\", id eq \"...\".");
        }
        Attribute attribute = switch (matcher.group(1).toLowerCase(java.util.Locale.ROOT)) {
            case "username" -> Attribute.USER_NAME;
            case "externalid" -> Attribute.EXTERNAL_ID;
            default -> Attribute.ID;
        };
        return new ScimFilter(attribute, matcher.group(2).replaceAll("\\\\(.)", "$1"));
    }
}
