package com.portfoliobulk.gateway.scim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/** Renders users and list answers as SCIM JSON (RFC 7643), with locations under the portfolio's base URL. */
final class ScimResources {

    /** This service's extension of the User resource: what deprovisioning did and does not do. */
    static final String ACCESS_EXTENSION = "urn:portfoliobulk:params:scim:schemas:extension:access:2.0:User";

    static final String LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

    static final String REACTIVATION_NOTE = "Deactivating or deleting this user offboards them from every linked"
            + " account of the portfolio. Reactivating them (active: true) restores no access: an administrator"
            + " invites them again.";

    private ScimResources() {}

    static String location(UUID portfolioId, UUID userId) {
        return ServletUriComponentsBuilder.fromCurrentContextPath()
                .path(ScimUserController.BASE + "/Users/{userId}")
                .buildAndExpand(portfolioId, userId)
                .toUriString();
    }

    static Map<String, Object> user(UUID portfolioId, ScimUser user) {
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("schemas", List.of(ScimUserChange.CORE_SCHEMA, ACCESS_EXTENSION));
        resource.put("id", user.id().toString());
        if (user.externalId() != null) {
            resource.put("externalId", user.externalId());
        }
        resource.put("userName", user.userName());
        if (user.displayName() != null) {
            resource.put("displayName", user.displayName());
        }
        resource.put("active", user.active());
        resource.put("emails", List.of(Map.of("value", user.userName(), "type", "work", "primary", true)));
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("accessRestoredOnReactivation", false);
        if (user.lastOffboardingJobId() != null) {
            access.put("lastOffboardingJobId", user.lastOffboardingJobId().toString());
        }
        access.put("note", REACTIVATION_NOTE);
        resource.put(ACCESS_EXTENSION, access);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("resourceType", "User");
        meta.put("created", user.created().toString());
        meta.put("lastModified", user.lastModified().toString());
        meta.put("location", location(portfolioId, user.id()));
        meta.put("version", ScimETags.of(user.version()));
        resource.put("meta", meta);
        return resource;
    }

    /** The page as a ListResponse, each user with the attributes selected. */
    static Map<String, Object> list(
            UUID portfolioId, ScimProvisioning.Page page, long startIndex, ScimAttributes attributes) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("schemas", List.of(LIST_SCHEMA));
        answer.put("totalResults", page.total());
        answer.put("startIndex", startIndex);
        answer.put("itemsPerPage", page.users().size());
        answer.put(
                "Resources",
                page.users().stream()
                        .map(user -> attributes.apply(user(portfolioId, user)))
                        .toList());
        return answer;
    }
}
