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

    private final JsonMapper json;

    BulkRequests(JsonMapper json) {
        this.json = json;
    }

    /** The addresses typed or pasted in {@code emails}, in order, without the separators around them. */
    private static List<String> addresses(String emails) {
        return ADDRESS_SEPARATORS
                .splitAsStream(emails)
                .filter(address -> !address.isEmpty())
                .toList();
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
