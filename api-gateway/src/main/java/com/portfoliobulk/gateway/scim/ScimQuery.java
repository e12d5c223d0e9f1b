package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.Quoted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A query for users, the same whether sent as the query parameters of {@code GET /Users} or as the
 * SearchRequest body of {@code POST /Users/.search} (RFC 7644 sections 3.4.2 and 3.4.3): a filter,
 * the page ({@code startIndex} from 1, {@code count} up to {@value ScimProvisioning#MAX_PAGE}) and the
 * attributes to return. Answers are in {@code userName} order and sorting is not supported, so
 * {@code sortBy} may only name {@code userName}, ascending; anything else is 400 {@code invalidValue}.
 *
 * @param filter the filter, or null for every user
 * @param startIndex the first result, from 1
 * @param count how many results at most
 * @param attributes the attributes of each result
 */
record ScimQuery(ScimFilter filter, long startIndex, int count, ScimAttributes attributes) {

    static final String SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

    /** The members of a SearchRequest (RFC 7644 section 3.4.3), as they are spelt there. */
    private static final List<String> SEARCH_MEMBERS = List.of(
            "schemas", "filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy", "sortOrder");

    /** From the query parameters of {@code GET /Users}. */
    static ScimQuery ofParameters(
            String filter,
            String startIndex,
            String count,
            String attributes,
            String excludedAttributes,
            String sortBy,
            String sortOrder) {
        checkSort(sortBy, sortOrder);
        return of(
                filter,
                number(startIndex, "startIndex", 1),
                number(count, "count", ScimProvisioning.MAX_PAGE),
                ScimAttributes.of(ScimAttributes.split(attributes), ScimAttributes.split(excludedAttributes)));
    }

    /**
     * From a SearchRequest: its {@code schemas} must be exactly the SearchRequest schema; its members
     * mean what the query parameters of the same names mean. Member names are read in any case, as
     * attribute names are (RFC 7643 section 2.1); a member a SearchRequest does not have, or one given
     * twice, is refused: ignoring it would answer another query than the client meant.
     */
    static ScimQuery ofSearchRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ScimException.invalidSyntax("The body must be a SCIM SearchRequest (a JSON object).");
        }
        Map<String, JsonNode> members = new HashMap<>();
        for (Map.Entry<String, JsonNode> member : body.properties()) {
            String name = SEARCH_MEMBERS.stream()
                    .filter(known -> known.equalsIgnoreCase(member.getKey()))
                    .findFirst()
                    .orElseThrow(() -> ScimException.invalidSyntax(Quoted.of(member.getKey())
                            + " is not a member of a SearchRequest; its members are "
                            + String.join(", ", SEARCH_MEMBERS) + "."));
            if (members.put(name, member.getValue()) != null) {
                throw ScimException.invalidSyntax(
                        "'" + name + "' is given more than once (names are read in any" + " case); give it once.");
            }
        }
        JsonNode schemas = members.get("schemas");
        if (schemas == null
                || !schemas.isArray()
                || schemas.size() != 1
                || !schemas.get(0).isString()
                || !schemas.get(0).stringValue().strip().equals(SEARCH_SCHEMA)) {
            throw ScimException.invalidSyntax("'schemas' must be [\"" + SEARCH_SCHEMA + "\"], not "
                    + (schemas == null ? "absent" : Quoted.of(schemas)) + ".");
        }
        members.forEach((name, value) -> {
            String expected = switch (name) {
                case "filter", "sortBy", "sortOrder" -> "a string";
                case "startIndex", "count" -> "an integer";
                case "attributes", "excludedAttributes" -> "an array of attribute names";
                default -> null;
            };
            if (expected != null && !value.isNull() && !fits(value, expected)) {
                throw ScimException.invalidValue(
                        "'" + name + "' must be " + expected + ", not " + Quoted.of(value) + ".");
            }
        });
        checkSort(string(members, "sortBy"), string(members, "sortOrder"));
        return of(
                string(members, "filter"),
                number(string(members, "startIndex"), "startIndex", 1),
                number(string(members, "count"), "count", ScimProvisioning.MAX_PAGE),
                ScimAttributes.of(names(members.get("attributes")), names(members.get("excludedAttributes"))));
    }

    private static ScimQuery of(String filter, long startIndex, long count, ScimAttributes attributes) {
        return new ScimQuery(
                ScimFilter.parse(filter),
                Math.max(1, startIndex),
                (int) Math.min(ScimProvisioning.MAX_PAGE, Math.max(0, count)),
                attributes);
    }

    private static boolean fits(JsonNode value, String expected) {
        return switch (expected) {
            case "a string" -> value.isString();
            case "an integer" -> value.isIntegralNumber();
            default -> value.isString() || value.isArray() && allStrings(value);
        };
    }

    private static boolean allStrings(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isString()) {
                return false;
            }
        }
        return true;
    }

    private static String string(Map<String, JsonNode> members, String member) {
        JsonNode value = members.get(member);
        return value == null || value.isNull() ? null : value.asString();
    }

    /** An array of names, or (leniently) one comma-separated string of them. */
    private static List<String> names(JsonNode value) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (value.isString()) {
            return ScimAttributes.split(value.stringValue());
        }
        List<String> names = new ArrayList<>();
        value.forEach(name -> names.add(name.stringValue()));
        return names;
    }

    private static void checkSort(String sortBy, String sortOrder) {
        boolean byUserName = sortBy == null
                || sortBy.isBlank()
                || sortBy.strip().equalsIgnoreCase("userName")
                || sortBy.strip().equalsIgnoreCase(ScimUserChange.CORE_SCHEMA + ":userName");
        if (!byUserName) {
            throw ScimException.invalidValue("'sortBy' cannot be " + Quoted.of(sortBy) + ": sorting is not supported"
                    + " (/ServiceProviderConfig), and results are in userName order. Leave 'sortBy' out.");
        }
        if (sortOrder != null
                && !sortOrder.isBlank()
                && !sortOrder.strip().toLowerCase(Locale.ROOT).equals("ascending")) {
            throw ScimException.invalidValue(
                    "'sortOrder' cannot be " + Quoted.of(sortOrder) + ": sorting is not supported"
                            + " (/ServiceProviderConfig), and results are in ascending userName order. Leave 'sortOrder'"
                            + " out.");
        }
    }

    /**
     * The integer {@code value}, or {@code absent} when there is none. An integer too large for a long
     * reads as the largest (or, negative, the smallest) long, which {@link #of} clamps as it clamps any
     * other value out of range (RFC 7644 section 3.4.2.4): a count over the maximum is the maximum, a
     * negative count 0, a startIndex below 1 is 1.
     */
    private static long number(String value, String parameter, long absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        String digits = value.strip();
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException notALong) {
            if (isInteger(digits)) {
                return digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
            throw ScimException.invalidValue("'" + parameter + "' must be an integer.");
        }
    }

    /** Whether {@code value} is an integer as {@link Long#parseLong} reads one: a sign or none, then digits. */
    private static boolean isInteger(String value) {
        int first = value.startsWith("-") || value.startsWith("+") ? 1 : 0;
        return value.length() > first && value.substring(first).chars().allMatch(c -> Character.digit(c, 10) >= 0);
    }
}
