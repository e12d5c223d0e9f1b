package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.contracts.UnpairedSurrogates;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;

/**
 * The filters identity providers send to find a user before creating or updating one:
 * {@code userName eq "..."}, {@code externalId eq "..."} and {@code id eq "..."}. Others answer 400
 * {@code invalidFilter}, and so does a filter longer than {@value #MAX_LENGTH} characters or with a
 * control character or half of a surrogate pair without the other (sent as it is or as a {@code \\u}
 * escape: the database keeps no such half, a text with one is stored with '?' in its place, so the
 * filter would find a user whose attribute has a '?' there). There is no nesting ({@code and}, {@code or}, parentheses and {@code not} are
 * refused), and the quoted value is read by a loop over its characters, so no filter text, however
 * long, can exhaust the stack (a regular expression with an alternation repeated per character did).
 * The value is a JSON string (RFC 7644 section 3.4.2.2): its escapes, {@code \\u00f6} among them, are
 * JSON's. The attribute may carry the core User schema's URN (section 3.10).
 *
 * @param attribute what to compare
 * @param value the value compared with (unescaped)
 */
record ScimFilter(Attribute attribute, String value) {

    /** The longest filter read: an address is at most 254 characters, an externalId 255. */
    static final int MAX_LENGTH = 1000;

    /** Up to the opening quote of the value. */
    private static final Pattern COMPARISON = Pattern.compile(
            "^\\s*(?:urn:ietf:params:scim:schemas:core:2\\.0:User:)?(userName|externalId|id)\\s+eq\\s+\"",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern HEX4 = Pattern.compile("[0-9a-fA-F]{4}");

    private static final String SUPPORTED =
            "Supported filters: userName eq \"...\", externalId eq \"...\", id eq \"...\".";

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
        if (filter.length() > MAX_LENGTH) {
            throw invalid("'filter' must be at most " + MAX_LENGTH + " characters. " + SUPPORTED);
        }
        if (ControlCharacters.in(filter)) {
            throw invalid("'filter' " + ControlCharacters.message(filter) + ".");
        }
        if (UnpairedSurrogates.in(filter)) {
            throw invalid("'filter' " + UnpairedSurrogates.message(filter) + ".");
        }
        Matcher matcher = COMPARISON.matcher(filter);
        if (!matcher.lookingAt()) {
            throw invalid(SUPPORTED);
        }
        StringBuilder value = new StringBuilder();
        int i = matcher.end();
        for (; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                if (++i == filter.length()) {
                    break;
                }
                c = switch (filter.charAt(i)) {
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    case 'u' -> {
                        if (i + 4 >= filter.length()
                                || !HEX4.matcher(filter.substring(i + 1, i + 5)).matches()) {
                            throw invalid("'filter': \\u must be followed by four hexadecimal digits. " + SUPPORTED);
                        }
                        i += 4;
                        yield (char) Integer.parseInt(filter.substring(i - 3, i + 1), 16);
                    }
                    default -> filter.charAt(i);
                };
            }
            value.append(c);
        }
        if (i >= filter.length() || !filter.substring(i + 1).isBlank()) {
            throw invalid(SUPPORTED);
        }
        if (ControlCharacters.in(value.toString())) {
            // Written as an escape (\\n, \\u0000): no user has one in an attribute.
            throw invalid("'filter' " + ControlCharacters.message(value.toString()) + ".");
        }
        if (UnpairedSurrogates.in(value)) {
            // Written as an escape (\\ud800) with no escape of the other half after it.
            throw invalid("'filter' " + UnpairedSurrogates.message(value) + ".");
        }
        Attribute attribute = switch (matcher.group(1).toLowerCase(Locale.ROOT)) {
            case "username" -> Attribute.USER_NAME;
            case "externalid" -> Attribute.EXTERNAL_ID;
            default -> Attribute.ID;
        };
        return new ScimFilter(attribute, value.toString());
    }

    private static ScimException invalid(String detail) {
        return new ScimException(HttpStatus.BAD_REQUEST, "invalidFilter", detail);
    }
}
