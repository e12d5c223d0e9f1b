package com.portfoliobulk.gateway.scim;

import io.swagger.v3.oas.annotations.Hidden;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * What this SCIM service provider supports (RFC 7643 sections 5 to 7): PATCH, filtering and weak
 * ETags, no bulk, sort or password changes; one resource type, User, with the attributes kept here
 * and the access extension.
 */
@Hidden
@RestController
@RequestMapping(
        path = ScimUserController.BASE,
        produces = {ScimUserController.SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
class ScimDiscoveryController {

    private static final String CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

    private static final String RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

    private static final String SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";

    @GetMapping("/ServiceProviderConfig")
    Map<String, Object> serviceProviderConfig(@PathVariable UUID portfolioId) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("schemas", List.of(CONFIG_SCHEMA));
        config.put("documentationUri", "https://datatracker.ietf.org/doc/html/rfc7644");
        config.put("patch", Map.of("supported", true));
        config.put("bulk", Map.of("supported", false, "maxOperations", 0, "maxPayloadSize", 0));
        config.put("filter", Map.of("supported", true, "maxResults", ScimProvisioning.MAX_PAGE));
        config.put("changePassword", Map.of("supported", false));
        config.put("sort", Map.of("supported", false));
        config.put("etag", Map.of("supported", true));
        config.put(
                "authenticationSchemes",
                List.of(Map.of(
                        "type",
                        "oauthbearertoken",
                        "name",
                        "SCIM token",
                        "description",
                        "A per-portfolio bearer token (scim_...) that the Portfolio Owner creates with POST"
                                + " /api/v1/portfolios/{portfolioId}/scim-tokens",
                        "primary",
                        true)));
        config.put("meta", meta(portfolioId, "ServiceProviderConfig", "/ServiceProviderConfig"));
        return config;
    }

    @GetMapping("/ResourceTypes")
    Map<String, Object> resourceTypes(@PathVariable UUID portfolioId) {
        return listOf(List.of(userType(portfolioId)));
    }

    @GetMapping("/ResourceTypes/User")
    Map<String, Object> userResourceType(@PathVariable UUID portfolioId) {
        return userType(portfolioId);
    }

    @GetMapping("/Schemas")
    Map<String, Object> schemas(@PathVariable UUID portfolioId) {
        return listOf(List.of(userSchema(portfolioId), accessSchema(portfolioId)));
    }

    @GetMapping("/Schemas/" + ScimUserChange.CORE_SCHEMA)
    Map<String, Object> coreUserSchema(@PathVariable UUID portfolioId) {
        return userSchema(portfolioId);
    }

    @GetMapping("/Schemas/" + ScimResources.ACCESS_EXTENSION)
    Map<String, Object> accessExtensionSchema(@PathVariable UUID portfolioId) {
        return accessSchema(portfolioId);
    }

    private static Map<String, Object> userType(UUID portfolioId) {
        Map<String, Object> type = new LinkedHashMap<>();
        type.put("schemas", List.of(RESOURCE_TYPE_SCHEMA));
        type.put("id", "User");
        type.put("name", "User");
        type.put("endpoint", "/Users");
        type.put("description", "A person with access to the portfolio's accounts");
        type.put("schema", ScimUserChange.CORE_SCHEMA);
        type.put("schemaExtensions", List.of(Map.of("schema", ScimResources.ACCESS_EXTENSION, "required", false)));
        type.put("meta", meta(portfolioId, "ResourceType", "/ResourceTypes/User"));
        return type;
    }

    private static Map<String, Object> userSchema(UUID portfolioId) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("schemas", List.of(SCHEMA_SCHEMA));
        schema.put("id", ScimUserChange.CORE_SCHEMA);
        schema.put("name", "User");
        schema.put("description", "User account");
        schema.put(
                "attributes",
                List.of(
                        attribute(
                                "userName",
                                "The user's e-mail address; unique, immutable here.",
                                true,
                                "immutable",
                                "server"),
                        externalId(),
                        attribute("displayName", "The user's name for display.", false, "readWrite", "none"),
                        booleanAttribute(
                                "active", "false offboards the user from every linked account; true restores nothing."),
                        emails()));
        schema.put("meta", meta(portfolioId, "Schema", "/Schemas/" + ScimUserChange.CORE_SCHEMA));
        return schema;
    }

    private static Map<String, Object> accessSchema(UUID portfolioId) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("schemas", List.of(SCHEMA_SCHEMA));
        schema.put("id", ScimResources.ACCESS_EXTENSION);
        schema.put("name", "Access");
        schema.put("description", ScimResources.REACTIVATION_NOTE);
        Map<String, Object> restored =
                booleanAttribute("accessRestoredOnReactivation", "Always false: reactivation restores no access.");
        restored.put("mutability", "readOnly");
        Map<String, Object> job = attribute(
                "lastOffboardingJobId", "The bulk job of the latest deactivation.", false, "readOnly", "none");
        Map<String, Object> note = attribute("note", "What deactivation does.", false, "readOnly", "none");
        schema.put("attributes", List.of(restored, job, note));
        schema.put("meta", meta(portfolioId, "Schema", "/Schemas/" + ScimResources.ACCESS_EXTENSION));
        return schema;
    }

    private static Map<String, Object> attribute(
            String name, String description, boolean required, String mutability, String uniqueness) {
        Map<String, Object> attribute = new LinkedHashMap<>();
        attribute.put("name", name);
        attribute.put("type", "string");
        attribute.put("multiValued", false);
        attribute.put("description", description);
        attribute.put("required", required);
        attribute.put("caseExact", false);
        attribute.put("mutability", mutability);
        attribute.put("returned", "default");
        attribute.put("uniqueness", uniqueness);
        return attribute;
    }

    /**
     * Compared exactly, as RFC 7643 defines it: {@code externalId eq} finds only the same text, its
     * leading and trailing blanks aside (they are not kept).
     */
    private static Map<String, Object> externalId() {
        Map<String, Object> externalId =
                attribute("externalId", "The identity provider's id for the user.", false, "readWrite", "none");
        externalId.put("caseExact", true);
        return externalId;
    }

    private static Map<String, Object> booleanAttribute(String name, String description) {
        Map<String, Object> attribute = new LinkedHashMap<>();
        attribute.put("name", name);
        attribute.put("type", "boolean");
        attribute.put("multiValued", false);
        attribute.put("description", description);
        attribute.put("required", false);
        attribute.put("mutability", "readWrite");
        attribute.put("returned", "default");
        return attribute;
    }

    private static Map<String, Object> emails() {
        Map<String, Object> emails = new LinkedHashMap<>();
        emails.put("name", "emails");
        emails.put("type", "complex");
        emails.put("multiValued", true);
        emails.put("description", "The user's address (the userName), read only.");
        emails.put("required", false);
        emails.put("mutability", "readOnly");
        emails.put("returned", "default");
        emails.put(
                "subAttributes",
                List.of(
                        attribute("value", "The address.", false, "readOnly", "none"),
                        attribute("type", "Always work.", false, "readOnly", "none"),
                        booleanAttribute("primary", "Always true.")));
        return emails;
    }

    private static Map<String, Object> listOf(List<Map<String, Object>> resources) {
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("schemas", List.of(ScimResources.LIST_SCHEMA));
        list.put("totalResults", resources.size());
        list.put("startIndex", 1);
        list.put("itemsPerPage", resources.size());
        list.put("Resources", resources);
        return list;
    }

    private static Map<String, Object> meta(UUID portfolioId, String resourceType, String path) {
        return Map.of(
                "resourceType",
                resourceType,
                "location",
                ServletUriComponentsBuilder.fromCurrentContextPath()
                        .path(ScimUserController.BASE + path)
                        .buildAndExpand(portfolioId)
                        .toUriString());
    }
}
