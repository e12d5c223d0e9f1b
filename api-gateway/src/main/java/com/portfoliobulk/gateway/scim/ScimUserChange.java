package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.TextLength;
import com.portfoliobulk.contracts.UnpairedSurrogates;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a SCIM request changes on a user, read leniently the way identity providers send it:
 * attribute names in any case and optionally prefixed with the core schema URN, booleans as JSON
 * booleans or as the strings {@code "True"}/{@code "False"} (Entra ID), PATCH {@code replace} with a
 * path ({@code "path":"active"}) or without one (a value object, as Okta sends). Attributes this
 * service does not keep (names, titles, phone numbers, enterprise extension...) are accepted and
 * ignored, so that an identity provider's routine updates never fail. The attributes it keeps are
 * checked here, before anything is written: a control character in one is 400 {@code invalidValue}.
 * So is a {@code displayName} or {@code externalId} over {@value #MAX_TEXT} characters, except in a
 * request that deactivates the user: the change carries that refusal ({@link #valueRefusal}), and
 * {@link ScimProvisioning#update} answers it after applying the deactivation.
 */
final class ScimUserChange {

    static final String CORE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

    static final String PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    /** The most characters of a {@code displayName} or {@code externalId} kept (jobs.scim_users' CHECK). */
    static final int MAX_TEXT = 255;

    private String userName;

    private String externalId;

    private String displayName;

    private boolean setsExternalId;

    private boolean setsDisplayName;

    private Boolean active;

    private String userNameRemoval;

    private String valueRefusal;

    private ScimUserChange() {}

    /**
     * The attributes of a full resource (POST, PUT): it sets them all, absent ones cleared; {@code
     * active} stays.
     * Its {@code schemas} must name the core User schema (RFC 7643 section 3); the read-only
     * attributes it carries ({@code id}, {@code meta}) are ignored, as RFC 7644 section 3.5.1 has it.
     */
    static ScimUserChange ofResource(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ScimException.invalidSyntax("The body must be a SCIM User resource (a JSON object).");
        }
        JsonNode schemas = member(body, "schemas");
        if (!names(schemas, CORE_SCHEMA)) {
            throw ScimException.invalidSyntax("'schemas' must be an array that includes \"" + CORE_SCHEMA
                    + "\" (the User schema, and any extension schemas the body uses), not "
                    + (schemas == null ? "absent" : Quoted.of(schemas)) + ".");
        }
        ScimUserChange change = new ScimUserChange();
        change.setsExternalId = true;
        change.setsDisplayName = true;
        for (Map.Entry<String, JsonNode> attribute : body.properties()) {
            change.set(attribute.getKey(), attribute.getValue());
        }
        return change.refusedUnlessDeactivating();
    }

    /**
     * What a PATCH's operations set: the attributes they name, each as the last of them leaves it, to
     * be written over the user as the last committed change left them ({@link ScimProvisioning#update}
     * writes them while it holds the user), so that a concurrent change of another attribute is kept.
     * {@code current} is the user as read, for {@code id} and the messages. Its {@code schemas} must be exactly the
     * PatchOp schema (RFC 7644 section 3.5.2). Operations on {@code id} or {@code meta} (read only)
     * are 400 {@code mutability}. The removal of {@code userName} (required), or its replacement with
     * nothing, is read, not refused here: the change carries it ({@link #userNameRemoval}), and {@link
     * ScimProvisioning#update} refuses it as it refuses a changed {@code userName}, after applying a
     * deactivation sent with it.
     */
    static ScimUserChange ofPatch(JsonNode body, ScimUser current) {
        if (body == null || !body.isObject()) {
            throw ScimException.invalidSyntax("The body must be a SCIM PatchOp (a JSON object).");
        }
        JsonNode schemas = member(body, "schemas");
        if (schemas == null
                || !schemas.isArray()
                || schemas.size() != 1
                || !schemas.get(0).isString()
                || !schemas.get(0).stringValue().strip().equals(PATCH_SCHEMA)) {
            throw ScimException.invalidSyntax("'schemas' must be [\"" + PATCH_SCHEMA + "\"], not "
                    + (schemas == null ? "absent" : Quoted.of(schemas)) + ".");
        }
        JsonNode operations = member(body, "Operations");
        if (operations == null || !operations.isArray() || operations.isEmpty()) {
            throw ScimException.invalidSyntax(
                    "'Operations' must be a non-empty array of {\"op\", \"path\", \"value\"} (schema " + PATCH_SCHEMA
                            + ").");
        }
        ScimUserChange change = new ScimUserChange();
        change.userName = current.userName();
        int index = 0;
        for (JsonNode operation : operations) {
            String field = "Operations[" + index++ + "]";
            JsonNode opNode = member(operation, "op");
            if (opNode != null && !opNode.isNull() && !opNode.isString()) {
                throw ScimException.invalidSyntax(
                        field + ": 'op' must be the string \"add\", \"replace\" or \"remove\", not " + Quoted.of(opNode)
                                + ".");
            }
            String op = opNode == null ? "" : opNode.asString("").toLowerCase(Locale.ROOT);
            JsonNode path = member(operation, "path");
            JsonNode value = member(operation, "value");
            if (path != null && !path.isNull() && !path.isString()) {
                throw new ScimException(
                        org.springframework.http.HttpStatus.BAD_REQUEST,
                        "invalidPath",
                        field + ": 'path' must be a string naming an attribute (such as \"active\"), not "
                                + Quoted.of(path) + ".");
            }
            String pathName = path == null || path.isNull() ? null : path.stringValue();
            switch (op) {
                case "add", "replace" -> {
                    if (pathName == null || pathName.isBlank()) {
                        if (value == null || !value.isObject()) {
                            throw ScimException.invalidSyntax(
                                    field + ": without a 'path', 'value' must be an object of attributes.");
                        }
                        for (Map.Entry<String, JsonNode> attribute : value.properties()) {
                            if (!isId(attribute.getKey())
                                    || !attribute
                                            .getValue()
                                            .asString("")
                                            .equals(current.id().toString())) {
                                refuseReadOnly(field, op, attribute.getKey());
                            }
                            change.set(attribute.getKey(), attribute.getValue());
                        }
                    } else {
                        refuseReadOnly(field, op, pathName);
                        if (value == null) {
                            throw ScimException.invalidSyntax(field + ": '" + op + "' of " + Quoted.of(pathName.strip())
                                    + " needs a 'value' (RFC 7644 section 3.5.2); to clear it, use 'remove'.");
                        }
                        change.set(pathName, value);
                    }
                }
                case "remove" -> {
                    if (pathName == null || pathName.isBlank()) {
                        throw new ScimException(
                                org.springframework.http.HttpStatus.BAD_REQUEST,
                                "noTarget",
                                field + ": 'remove' needs a 'path'.");
                    }
                    refuseReadOnly(field, op, pathName);
                    if (coreName(pathName).equalsIgnoreCase("userName") && change.userNameRemoval == null) {
                        // Refused even when a later operation sets it again: the operation itself fails.
                        change.userNameRemoval = field + ": 'userName' is required and cannot be removed (it is"
                                + " the user's e-mail address, '" + current.userName() + "').";
                    }
                    change.set(pathName, null);
                }
                default ->
                    throw ScimException.invalidSyntax(
                            field + ": 'op' must be \"add\", \"replace\" or \"remove\", not " + Quoted.of(op) + ".");
            }
        }
        if (change.userName == null && change.userNameRemoval == null) {
            // Replaced with null or blank: a removal by another name.
            change.userNameRemoval = "'userName' is required and cannot be removed (it is the user's e-mail"
                    + " address, '" + current.userName() + "').";
        }
        return change.refusedUnlessDeactivating();
    }

    /**
     * This change, unless a value of it is refused ({@link #valueRefusal}) and it does not deactivate
     * the user: then 400 {@code invalidValue} here, before anything is read or written, as for any other
     * value refused. A deactivation sent with the value is not held up by it: the identity provider
     * sends all of a user's pending changes in one request, the refused one again with every later one.
     */
    private ScimUserChange refusedUnlessDeactivating() {
        if (valueRefusal != null && !Boolean.FALSE.equals(active)) {
            throw ScimException.invalidValue(valueRefusal);
        }
        return this;
    }

    /**
     * The member {@code name} of {@code object}, its name in any case (RFC 7643 section 2.1: attribute
     * names are case-insensitive); {@code null} when absent or when {@code object} is not an object.
     */
    private static JsonNode member(JsonNode object, String name) {
        if (object == null || !object.isObject()) {
            return null;
        }
        JsonNode exact = object.get(name);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, JsonNode> property : object.properties()) {
            if (property.getKey().equalsIgnoreCase(name)) {
                return property.getValue();
            }
        }
        return null;
    }

    /** Whether {@code schemas} is an array with {@code schema} among its strings. */
    private static boolean names(JsonNode schemas, String schema) {
        if (schemas == null || !schemas.isArray()) {
            return false;
        }
        for (JsonNode named : schemas) {
            if (named.isString() && named.stringValue().strip().equalsIgnoreCase(schema)) {
                return true;
            }
        }
        return false;
    }

    /** The attribute name without the core schema URN prefix. */
    private static String coreName(String attribute) {
        String name = attribute.strip();
        if (name.regionMatches(true, 0, CORE_SCHEMA + ":", 0, CORE_SCHEMA.length() + 1)) {
            name = name.substring(CORE_SCHEMA.length() + 1);
        }
        return name;
    }

    private static boolean isId(String attribute) {
        return coreName(attribute).equalsIgnoreCase("id");
    }

    /** {@code id} and {@code meta} (with its sub-attributes) are set by this service only. */
    private static void refuseReadOnly(String field, String op, String attribute) {
        String name = coreName(attribute).toLowerCase(Locale.ROOT);
        if (name.equals("id") || name.equals("meta") || name.startsWith("meta.") || name.startsWith("meta[")) {
            throw new ScimException(
                    org.springframework.http.HttpStatus.BAD_REQUEST,
                    "mutability",
                    field + ": " + Quoted.of(attribute.strip())
                            + " is read only (set by the service provider): it cannot be" + " the target of '" + op
                            + "'.");
        }
    }

    private void set(String attribute, JsonNode value) {
        String name = coreName(attribute);
        switch (name.toLowerCase(Locale.ROOT)) {
            case "active" -> active = value == null || value.isNull() ? null : bool(value);
            case "username" -> userName = text(value, "userName");
            case "externalid" -> {
                externalId = bounded(text(value, "externalId"), "externalId");
                setsExternalId = true;
            }
            case "displayname" -> {
                displayName = bounded(text(value, "displayName"), "displayName");
                setsDisplayName = true;
            }
            default -> {
                // Not kept here (schemas, name, emails, title, enterprise extension, ...): accepted, ignored.
            }
        }
    }

    private static boolean bool(JsonNode value) {
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isString()) {
            String text = value.stringValue().strip();
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw ScimException.invalidValue(
                "'active' must be true or false (or the string \"True\"/\"False\"), not " + Quoted.of(value) + ".");
    }

    private static String text(JsonNode value, String attribute) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ScimException.invalidValue("'" + attribute + "' must be a string, not " + Quoted.of(value) + ".");
        }
        if (ControlCharacters.in(value.stringValue())) {
            throw ScimException.invalidValue(
                    "'" + attribute + "' " + ControlCharacters.message(value.stringValue()) + ".");
        }
        if (UnpairedSurrogates.in(value.stringValue())) {
            throw ScimException.invalidValue(
                    "'" + attribute + "' " + UnpairedSurrogates.message(value.stringValue()) + ".");
        }
        String text = value.stringValue().strip();
        return text.isEmpty() ? null : text;
    }

    /** {@code text}, its refusal recorded (the first one) when it is longer than {@link #MAX_TEXT}. */
    private String bounded(String text, String attribute) {
        if (text != null && TextLength.of(text) > MAX_TEXT && valueRefusal == null) {
            // Refused even when a later operation sets it again: the operation itself fails.
            valueRefusal = "'" + attribute + "' must be at most " + MAX_TEXT + " characters.";
        }
        return text;
    }

    /** The new {@code userName}; absent when the request has none. */
    String userName() {
        return userName;
    }

    /** The new {@code externalId} (absent: cleared), when {@link #setsExternalId}. */
    String externalId() {
        return externalId;
    }

    /** Whether the request sets {@code externalId}: a PUT always, a PATCH when an operation names it. */
    boolean setsExternalId() {
        return setsExternalId;
    }

    /** The new {@code displayName} (absent: cleared), when {@link #setsDisplayName}. */
    String displayName() {
        return displayName;
    }

    /** Whether the request sets {@code displayName}: a PUT always, a PATCH when an operation names it. */
    boolean setsDisplayName() {
        return setsDisplayName;
    }

    /** The new {@code active}; absent when the request leaves it as it is. */
    Boolean active() {
        return active;
    }

    /**
     * Why the request's removal of {@code userName} is refused (400 {@code mutability}), naming the
     * operation when one removed it; absent when the request leaves the user a {@code userName}.
     */
    String userNameRemoval() {
        return userNameRemoval;
    }

    /**
     * Why a value of the request is refused (400 {@code invalidValue}: a {@code displayName} or {@code
     * externalId} too long); absent when none is. Only a change with {@code active: false} carries
     * one, the others are refused as they are read.
     */
    String valueRefusal() {
        return valueRefusal;
    }
}
