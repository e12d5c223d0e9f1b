package com.portfoliobulk.gateway.scim;

import io.swagger.v3.oas.annotations.Hidden;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * SCIM 2.0 Users of one portfolio (RFC 7644), for its identity provider: read and find users (with
 * query parameters, or a SearchRequest posted to {@code /Users/.search} or to the root {@code
 * /.search}, which has one resource type), create them (no access until invited), deactivate or
 * delete them (offboarding). Every answer with users returns the attributes that {@code attributes}
 * or {@code excludedAttributes} select. Answers are {@code application/scim+json}; bodies are read as
 * {@code application/scim+json} or {@code application/json}. A user's answers carry their weak ETag
 * ({@link ScimETags}), which {@code If-Match} and {@code If-None-Match} compare. The SCIM protocol describes these
 * endpoints (see {@code /Schemas}), so they are left out of the OpenAPI description.
 */
@Hidden
@RestController
@RequestMapping(
        path = ScimUserController.BASE,
        produces = {ScimUserController.SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
class ScimUserController {

    static final String BASE = "/scim/v2/portfolios/{portfolioId}";

    static final String SCIM_JSON = "application/scim+json";

    private final ScimProvisioning provisioning;

    ScimUserController(ScimProvisioning provisioning) {
        this.provisioning = provisioning;
    }

    /** With the user's ETag; 304 without a body when {@code If-None-Match} names it. */
    @GetMapping("/Users/{userId}")
    ResponseEntity<Map<String, Object>> get(
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestParam(required = false) String attributes,
            @RequestParam(required = false) String excludedAttributes,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        ScimAttributes selected = selected(attributes, excludedAttributes);
        ScimUser user = provisioning.get(portfolioId, userId);
        if (ifNoneMatch != null && ScimETags.matches(ifNoneMatch, user.version())) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED)
                    .header(HttpHeaders.ETAG, ScimETags.of(user.version()))
                    .build();
        }
        return answer(HttpStatus.OK, portfolioId, user, selected);
    }

    @GetMapping("/Users")
    Map<String, Object> list(
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String filter,
            @RequestParam(required = false) String startIndex,
            @RequestParam(required = false) String count,
            @RequestParam(required = false) String attributes,
            @RequestParam(required = false) String excludedAttributes,
            @RequestParam(required = false) String sortBy,
            @RequestParam(required = false) String sortOrder) {
        return search(
                portfolioId,
                ScimQuery.ofParameters(filter, startIndex, count, attributes, excludedAttributes, sortBy, sortOrder));
    }

    /** RFC 7644 section 3.4.3: the query of {@code GET /Users} as a SearchRequest body. */
    @PostMapping(
            path = {"/Users/.search", "/.search"},
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    Map<String, Object> searchRequest(@PathVariable UUID portfolioId, @RequestBody JsonNode body) {
        return search(portfolioId, ScimQuery.ofSearchRequest(body));
    }

    private Map<String, Object> search(UUID portfolioId, ScimQuery query) {
        ScimProvisioning.Page page = provisioning.list(portfolioId, query.filter(), query.startIndex(), query.count());
        return ScimResources.list(portfolioId, page, query.startIndex(), query.attributes());
    }

    @PostMapping(
            path = "/Users",
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Map<String, Object>> create(
            @PathVariable UUID portfolioId,
            @RequestBody JsonNode body,
            @RequestParam(required = false) String attributes,
            @RequestParam(required = false) String excludedAttributes) {
        ScimAttributes selected = selected(attributes, excludedAttributes);
        ScimUser user = provisioning.create(client(), portfolioId, ScimUserChange.ofResource(body));
        return ResponseEntity.created(URI.create(ScimResources.location(portfolioId, user.id())))
                .header(HttpHeaders.ETAG, ScimETags.of(user.version()))
                .body(selected.apply(ScimResources.user(portfolioId, user)));
    }

    @PutMapping(
            path = "/Users/{userId}",
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Map<String, Object>> replace(
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestBody JsonNode body,
            @RequestParam(required = false) String attributes,
            @RequestParam(required = false) String excludedAttributes,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        ScimAttributes selected = selected(attributes, excludedAttributes);
        ScimUserChange change = ScimUserChange.ofResource(body);
        Long expectedVersion =
                ifMatch == null ? null : ScimETags.required(ifMatch, provisioning.get(portfolioId, userId));
        ScimUser user = provisioning.replace(client(), portfolioId, userId, change, expectedVersion);
        return answer(HttpStatus.OK, portfolioId, user, selected);
    }

    @PatchMapping(
            path = "/Users/{userId}",
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Map<String, Object>> patch(
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestBody JsonNode body,
            @RequestParam(required = false) String attributes,
            @RequestParam(required = false) String excludedAttributes,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        ScimAttributes selected = selected(attributes, excludedAttributes);
        ScimUser current = provisioning.get(portfolioId, userId);
        Long expectedVersion = ScimETags.required(ifMatch, current);
        ScimUserChange change = ScimUserChange.ofPatch(body, current);
        ScimUser user = provisioning.update(client(), portfolioId, userId, change, expectedVersion);
        return answer(HttpStatus.OK, portfolioId, user, selected);
    }

    @DeleteMapping("/Users/{userId}")
    ResponseEntity<Void> delete(
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Long expectedVersion =
                ifMatch == null ? null : ScimETags.required(ifMatch, provisioning.get(portfolioId, userId));
        provisioning.delete(client(), portfolioId, userId, expectedVersion);
        return ResponseEntity.noContent().build();
    }

    /** The user with the attributes selected, and their ETag. */
    private static ResponseEntity<Map<String, Object>> answer(
            HttpStatus status, UUID portfolioId, ScimUser user, ScimAttributes selected) {
        return ResponseEntity.status(status)
                .header(HttpHeaders.ETAG, ScimETags.of(user.version()))
                .body(selected.apply(ScimResources.user(portfolioId, user)));
    }

    /** Read before anything is changed, so that a bad selection changes nothing. */
    private static ScimAttributes selected(String attributes, String excludedAttributes) {
        return ScimAttributes.of(ScimAttributes.split(attributes), ScimAttributes.split(excludedAttributes));
    }

    private static ScimClient client() {
        if (SecurityContextHolder.getContext().getAuthentication() instanceof ScimClient client) {
            return client;
        }
        throw new ScimException(HttpStatus.UNAUTHORIZED, null, "Send the portfolio's SCIM token.");
    }
}
