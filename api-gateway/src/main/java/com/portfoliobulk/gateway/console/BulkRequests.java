package com.portfoliobulk.gateway.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns the console's forms into job requests, the JSON body the API's preview and submission take.
 * The forms only collect; the API validates (so a bad address or an empty selection gets the API's
 * own problem, field by field).
 */
final class BulkRequests {

    /**
     * What separates the addresses of an invitation: commas, semicolons and every kind of space and line
     * break, also those Java's {@code \s} leaves out. Addresses copied from a document, an e-mail or a
     * web page often carry no-break spaces, zero-width spaces or a byte order mark, and a CJK keyboard
     * types the ideographic space, and commas and semicolons of its own: the full-width comma and
     * semicolon (U+FF0C, U+FF1B), the ideographic comma (U+3001, and its half-width form U+FF64) and
     * the small comma, ideographic comma and semicolon (U+FE50, U+FE51, U+FE54); an Arabic keyboard
     * types the Arabic comma and semicolon (U+060C, U+061B). None of them can be part of an address (the
     * ideographic full stop U+3002 can: IDNA reads it as the dot of a domain typed in Unicode).
     */
    private static final Pattern ADDRESS_SEPARATORS =
            Pattern.compile("[,;\\uFF0C\\uFF1B\\u3001\\uFF64\\uFE50\\uFE51\\uFE54\\u060C\\u061B"
                    + "\\s\\p{Z}\\u0085\\u180E\\u200B-\\u200D\\u2060\\uFEFF]+");

    /**
     * The characters that end an entry of a pasted list, of which a display name cannot hold one: the
     * commas and semicolons of {@link #ADDRESS_SEPARATORS} and the line breaks.
     */
    private static final String ENTRY_ENDS =
            ",;\uFF0C\uFF1B\u3001\uFF64\uFE50\uFE51\uFE54\u060C\u061B\n\r\u0085\u2028\u2029";

    private final JsonMapper json;

    BulkRequests(JsonMapper json) {
        this.json = json;
    }

    /**
     * The addresses typed or pasted in {@code emails}, in order, without the separators around them; of
     * an entry written {@code Name <address>} ({@link NamedAddresses}) the address alone.
     */
    private static List<String> addresses(String emails) {
        return ADDRESS_SEPARATORS
                .splitAsStream(new NamedAddresses(emails).bare())
                .filter(address -> !address.isEmpty())
                .toList();
    }

    /**
     * The entries of a list copied from a mail program or a spreadsheet, {@code Anna Smith <anna@x.com>}
     * or {@code "Smith, Anna" <anna@x.com>}: an address in angle brackets after a display name, quoted or
     * not, or none. A display name not quoted starts where a word starts (at the start of the text, or
     * after a space, a {@code >} or the end of an entry, so it never takes the end of an address typed
     * before it) and holds no {@code @}, no angle bracket, no quote and nothing that ends an entry: an
     * address typed before it on the same line stays an address. A quoted name is taken to its closing
     * quote, a backslash escaping the character after it (not a line break), and may hold a comma.
     *
     * <p>Read in one pass from left to right, the earliest entry first: the text is cut at each character
     * a display name not quoted cannot hold, and every word start between two such cuts leads to the same
     * {@code <}, so only the first is tried; a quoted name that leads to no address is not read again from
     * a quote escaped inside it; and the spaces and the angle brackets after a name are remembered for
     * the next name that reaches them. Each character is looked at a few times at most, however the text
     * is written.
     */
    private static final class NamedAddresses {

        private final String text;
        private final int length;

        /** The spaces last skipped after a name: from {@code spacesFrom} to {@code spacesTo}. */
        private int spacesFrom = -1;

        private int spacesTo = -1;

        /** The {@code <} last read, and where its address ends ({@code >}), or -1 if it has none. */
        private int openedAt = -1;

        private int closedAt = -1;

        /** Quotes before this one are escaped inside a quoted name already read, which led to no address. */
        private int quotesFrom;

        NamedAddresses(String text) {
            this.text = text;
            this.length = text.length();
        }

        /** The text with each named entry replaced by its address, spaced from what is around it. */
        String bare() {
            StringBuilder bare = null;
            int copied = 0;
            int cut = 0;
            while (cut < length) {
                // A stretch ending at the next character a display name not quoted cannot hold ('end'),
                // and the first word start in it, if any.
                int wordStart = cut == 0 || startsWordAfter(text.charAt(cut - 1)) ? cut : -1;
                int end = cut;
                while (end < length && !endsName(text.charAt(end))) {
                    end++;
                    if (wordStart < 0 && end < length && startsWordAfter(text.charAt(end - 1))) {
                        wordStart = end;
                    }
                }
                if (end == length) {
                    break;
                }
                int entryStart = -1;
                int entryEnd = -1;
                if (wordStart >= 0) {
                    entryEnd = addressAfter(end);
                    entryStart = wordStart;
                }
                if (entryEnd < 0 && text.charAt(end) == '"' && end >= quotesFrom) {
                    int closing = closingQuote(end + 1);
                    if (closing < 0) {
                        quotesFrom = -closing;
                    } else {
                        entryEnd = addressAfter(closing + 1);
                        entryStart = end;
                        if (entryEnd < 0) {
                            quotesFrom = closing;
                        }
                    }
                }
                if (entryEnd < 0) {
                    cut = end + 1;
                    continue;
                }
                if (bare == null) {
                    bare = new StringBuilder(length + 16);
                }
                bare.append(text, copied, entryStart)
                        .append(' ')
                        .append(text, openedAt + 1, closedAt)
                        .append(' ');
                copied = entryEnd;
                cut = entryEnd;
            }
            return bare == null ? text : bare.append(text, copied, length).toString();
        }

        /**
         * Where the entry ends ({@code >} included) whose name ends at {@code nameEnd}: after spaces, its
         * address in angle brackets, left in {@link #openedAt} and {@link #closedAt}; -1 if none.
         */
        private int addressAfter(int nameEnd) {
            int opening = afterSpaces(nameEnd);
            if (opening == length || text.charAt(opening) != '<') {
                return -1;
            }
            if (opening != openedAt) {
                int closing = opening + 1;
                while (closing < length && text.charAt(closing) != '<' && text.charAt(closing) != '>') {
                    closing++;
                }
                openedAt = opening;
                closedAt = closing < length && text.charAt(closing) == '>' ? closing : -1;
            }
            return closedAt < 0 ? -1 : closedAt + 1;
        }

        /** The first character from {@code from} on that is not a space, the spaces remembered. */
        private int afterSpaces(int from) {
            if (from >= spacesFrom && from <= spacesTo) {
                return spacesTo;
            }
            int at = from;
            while (at < length && isSpace(text.charAt(at))) {
                if (at >= spacesFrom && at < spacesTo) {
                    at = spacesTo;
                    break;
                }
                at++;
            }
            spacesFrom = from;
            spacesTo = at;
            return at;
        }

        /**
         * The closing quote of a quoted name whose text starts at {@code from}; if it has none, minus the
         * first place a quote after it could open another name.
         */
        private int closingQuote(int from) {
            int at = from;
            while (at < length) {
                char c = text.charAt(at);
                if (c == '"') {
                    return at;
                }
                if (c == '\\') {
                    if (at + 1 == length || isLineBreak(text.charAt(at + 1))) {
                        return -(at + 1);
                    }
                    at += 2;
                } else {
                    at++;
                }
            }
            return -length;
        }

        /** A space of any kind, or a line break, that may stand between a name and its address. */
        private static boolean isSpace(char c) {
            return c == ' '
                    || (c >= '\t' && c <= '\r')
                    || switch (Character.getType(c)) {
                        case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> true;
                        default -> false;
                    };
        }

        /** A line break, which a backslash in a quoted name does not escape. */
        private static boolean isLineBreak(char c) {
            return c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029';
        }

        /** A character that ends an entry of the list. */
        private static boolean endsEntry(char c) {
            return ENTRY_ENDS.indexOf(c) >= 0;
        }

        /** A character a display name not quoted cannot hold. */
        private static boolean endsName(char c) {
            return c == '<' || c == '>' || c == '"' || c == '@' || endsEntry(c);
        }

        /** A character after which a word, and so a display name not quoted, may start. */
        private static boolean startsWordAfter(char c) {
            return c == '>' || isSpace(c) || endsEntry(c);
        }
    }

    /**
     * Invitations of every address in {@code emails} (separated by commas, semicolons, their CJK and
     * Arabic forms, spaces or new lines, see {@link #ADDRESS_SEPARATORS}) to each account with its role.
     */
    String invite(String emails, String language, Map<String, String> rolesByAccount) {
        List<String> addresses = addresses(emails);
        List<Map<String, Object>> accounts = new ArrayList<>();
        rolesByAccount.forEach((account, role) -> accounts.add(Map.of("accountId", account, "role", role)));
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", "INVITE_USERS");
        request.put("emails", addresses);
        request.put("language", language);
        request.put("accounts", accounts);
        return write(request);
    }

    String changeRole(List<String> userIds, List<String> accountIds, String role) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", "UPDATE_ROLES");
        request.put("userIds", userIds);
        request.put("accountIds", accountIds);
        request.put("role", role);
        return write(request);
    }

    String removeAccess(List<String> userIds, List<String> accountIds) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", "REMOVE_ACCESS");
        request.put("userIds", userIds);
        request.put("accountIds", accountIds);
        return write(request);
    }

    String offboard(List<String> userIds) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", "OFFBOARD_USERS");
        request.put("userIds", userIds);
        return write(request);
    }

    /** One user's role changes from the profile page: {@code account -> role}. */
    String assignRoles(String userId, Map<String, String> rolesByAccount) {
        List<Map<String, Object>> assignments = new ArrayList<>();
        rolesByAccount.forEach(
                (account, role) -> assignments.add(Map.of("userId", userId, "accountId", account, "role", role)));
        return write(Map.of("type", "UPDATE_ROLES", "assignments", assignments));
    }

    /** What a request asks for, in the words of the Review Changes page. */
    String describe(String request) {
        Object type = json.readValue(request, Map.class).get("type");
        return switch (String.valueOf(type)) {
            case "INVITE_USERS" -> "Invite users";
            case "UPDATE_ROLES" -> "Change role";
            case "REMOVE_ACCESS" -> "Remove access";
            case "OFFBOARD_USERS" -> "Offboard from all accounts";
            default -> "Bulk change";
        };
    }

    private String write(Map<String, Object> request) {
        return json.writeValueAsString(request);
    }
}
