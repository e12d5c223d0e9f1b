package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.ControlCharacters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which attributes of a User an answer carries (RFC 7644 sections 3.4.2.5 and 3.9): all of them
 * (the default), only those in {@code attributes}, or all but those in {@code excludedAttributes}.
 * Names are read in any case, optionally prefixed with their schema URN; {@code emails.value} and
 * {@code meta.created} name sub-attributes, the extension's URN the whole extension. {@code id} and
 * {@code schemas} are always returned; names of attributes a User does not have select nothing.
 */
final class ScimAttributes {

    /** Every attribute: what an answer has when the request names none. */
    static final ScimAttributes ALL = new ScimAttributes(Set.of(), false);

    /** The longest list read, in characters: every attribute of a User, prefixed, fits many times. */
    static final int MAX_LENGTH = 4000;

    /** Returned whatever the request says ("returned": "always"). */
    private static final Set<String> ALWAYS = Set.of("id", "schemas");

    private static final String CORE_PREFIX = ScimUserChange.CORE_SCHEMA.toLowerCase(Locale.ROOT) + ":";

    private static final String EXTENSION = ScimResources.ACCESS_EXTENSION.toLowerCase(Locale.ROOT);

    /** Lower-case names: {@code attribute} or {@code attribute.subAttribute}. */
    private final Set<String> names;

    private final boolean include;

    private ScimAttributes(Set<String> names, boolean include) {
        this.names = names;
        this.include = include;
    }

    /**
     * The selection from the two parameters, each a list of names (from a comma-separated query
     * parameter or a SearchRequest's array); both absent or empty is {@link #ALL}.
     *
     * @throws ScimException 400 {@code invalidValue} when both are given, or one is too long
     */
    static ScimAttributes of(List<String> attributes, List<String> excludedAttributes) {
        Set<String> included = names(attributes, "attributes");
        Set<String> excluded = names(excludedAttributes, "excludedAttributes");
        if (!included.isEmpty() && !excluded.isEmpty()) {
            throw ScimException.invalidValue(
                    "Send either 'attributes' (the attributes to return) or 'excludedAttributes' (the attributes"
                            + " to leave out), not both.");
        }
        if (!included.isEmpty()) {
            return new ScimAttributes(included, true);
        }
        return excluded.isEmpty() ? ALL : new ScimAttributes(excluded, false);
    }

    /** The names of a comma-separated query parameter; none for an absent one. */
    static List<String> split(String parameter) {
        return parameter == null ? List.of() : List.of(parameter.split(","));
    }

    private static Set<String> names(List<String> given, String parameter) {
        Set<String> names = new LinkedHashSet<>();
        int length = 0;
        for (String name : given) {
            length += name.length() + 1;
            if (length > MAX_LENGTH) {
                throw ScimException.invalidValue("'" + parameter + "' must be at most " + MAX_LENGTH + " characters.");
            }
            if (ControlCharacters.in(name)) {
                throw ScimException.invalidValue("'" + parameter + "' " + ControlCharacters.message(name) + ".");
            }
            String normalized = normalize(name);
            if (!normalized.isEmpty()) {
                names.add(normalized);
            }
        }
        return names;
    }

    /** {@code urn:...:User:emails.value} as {@code emails.value}, the extension's attributes under its URN. */
    private static String normalize(String name) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith(CORE_PREFIX)) {
            return lower.substring(CORE_PREFIX.length());
        }
        if (lower.startsWith(EXTENSION + ":")) {
            return EXTENSION + "." + lower.substring(EXTENSION.length() + 1);
        }
        return lower;
    }

    /** Whether the answer is the whole resource. */
    boolean all() {
        return names.isEmpty();
    }

    /** The resource (as {@link ScimResources#user} renders it) with the selected attributes only. */
    Map<String, Object> apply(Map<String, Object> resource) {
        if (all()) {
            return resource;
        }
        Map<String, Object> selected = new LinkedHashMap<>();
        for (Map.Entry<String, Object> attribute : resource.entrySet()) {
            String name = attribute.getKey().toLowerCase(Locale.ROOT);
            if (ALWAYS.contains(name)) {
                selected.put(attribute.getKey(), attribute.getValue());
                continue;
            }
            Set<String> subAttributes = subAttributes(name);
            if (include) {
                if (names.contains(name)) {
                    selected.put(attribute.getKey(), attribute.getValue());
                } else if (!subAttributes.isEmpty()) {
                    Object value = filter(attribute.getValue(), subAttributes, true);
                    if (value != null) {
                        selected.put(attribute.getKey(), value);
                    }
                }
            } else if (!names.contains(name)) {
                Object value = subAttributes.isEmpty()
                        ? attribute.getValue()
                        : filter(attribute.getValue(), subAttributes, false);
                if (value != null) {
                    selected.put(attribute.getKey(), value);
                }
            }
        }
        if (!selected.containsKey(ScimResources.ACCESS_EXTENSION)
                && selected.get("schemas") instanceof List<?> schemas) {
            selected.put(
                    "schemas",
                    schemas.stream()
                            .filter(schema -> !ScimResources.ACCESS_EXTENSION.equals(schema))
                            .toList());
        }
        return selected;
    }

    /** The sub-attributes named of this attribute, in lower case. */
    private Set<String> subAttributes(String attribute) {
        Set<String> subAttributes = new LinkedHashSet<>();
        for (String name : names) {
            if (name.startsWith(attribute + ".")) {
                subAttributes.add(name.substring(attribute.length() + 1));
            }
        }
        return subAttributes;
    }

    /** A complex value (or each of a multi-valued one) with the sub-attributes kept; null for none left. */
    private static Object filter(Object value, Set<String> subAttributes, boolean keep) {
        if (value instanceof Map<?, ?> complex) {
            Map<String, Object> kept = new LinkedHashMap<>();
            complex.forEach((key, sub) -> {
                if (subAttributes.contains(key.toString().toLowerCase(Locale.ROOT)) == keep) {
                    kept.put(key.toString(), sub);
                }
            });
            return kept.isEmpty() ? null : kept;
        }
        if (value instanceof List<?> values) {
            List<Object> kept = new ArrayList<>();
            for (Object element : values) {
                Object filtered = filter(element, subAttributes, keep);
                if (filtered != null) {
                    kept.add(filtered);
                }
            }
            return kept.isEmpty() ? null : kept;
        }
        // A simple attribute has no sub-attributes: naming one selects nothing of it.
        return keep ? null : value;
    }
}
