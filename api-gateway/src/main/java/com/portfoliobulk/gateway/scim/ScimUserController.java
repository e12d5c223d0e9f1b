package com.portfoliobulk.gateway.scim;

import io.swagger.v3.oas.annotations.Hidden;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
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
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * SCIM 2.0 Users of one portfolio (RFC 7644), for its identity provider: read and find users,
 * create them (no access until invited), deactivate or delete them (offboarding). Answers are
 * {@code application/scim+json}; bodies are read as {@code application/scim+json} or
 * {@code application/json}. The SCIM protocol describes these endpoints (see {@code /Schemas}), so
 * they are left out of the OpenAPI description.
 */
@Hidden
@RestController
@RequestMapping(
        path = ScimUserController.BASE + "/Users",
        produces = {ScimUserController.SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
class ScimUserController {

    static final String BASE = "/scim/v2/portfolios/{portfolioId}";

    static final String SCIM_JSON = "application/scim+json";

    private final ScimProvisioning provisioning;

    ScimUserController(ScimProvisioning provisioning) {
        this.provisioning = provisioning;
    }

    @GetMapping("/{userId}")
    Map<String, Object> get(@PathVariable UUID portfolioId, @PathVariable UUID userId) {
        return ScimResources.user(portfolioId, provisioning.get(portfolioId, userId));
    }

    @GetMapping
    Map<String, Object> list(
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String filter,
            @RequestParam(required = false) String startIndex,
            @RequestParam(required = false) String count) {
        long start = Math.max(1, number(startIndex, "startIndex", 1));
        int size = (int)
                Math.min(ScimProvisioning.MAX_PAGE, Math.max(0, number(count, "count", ScimProvisioning.MAX_PAGE)));
        ScimProvisioning.Page page = provisioning.list(portfolioId, ScimFilter.parse(filter), start, size);
        return ScimResources.list(portfolioId, page, start);
    }

    @PostMapping(consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Map<String, Object>> create(@PathVariable UUID portfolioId, @RequestBody JsonNode body) {
        ScimUser user = provisioning.create(client(), portfolioId, ScimUserChange.ofResource(body));
        return ResponseEntity.created(URI.create(ScimResources.location(portfolioId, user.id())))
                .body(ScimResources.user(portfolioId, user));
    }

    @PutMapping(
            path = "/{userId}",
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    Map<String, Object> replace(@PathVariable UUID portfolioId, @PathVariable UUID userId, @RequestBody JsonNode body) {
        ScimUserChange change = ScimUserChange.ofResource(body);
        if (change.userName() == null) {
            throw ScimException.invalidValue(
                    "'userName' is required: a PUT replaces the whole User resource, the user's e-mail address"
                            + " included (PATCH changes single attributes).");
        }
        return ScimResources.user(portfolioId, provisioning.update(client(), portfolioId, userId, change));
    }

    @PatchMapping(
            path = "/{userId}",
            consumes = {SCIM_JSON, MediaType.APPLICATION_JSON_VALUE})
    Map<String, Object> patch(@PathVariable UUID portfolioId, @PathVariable UUID userId, @RequestBody JsonNode body) {
        ScimUserChange change = ScimUserChange.ofPatch(body, provisioning.get(portfolioId, userId));
        return ScimResources.user(portfolioId, provisioning.update(client(), portfolioId, userId, change));
    }

    @DeleteMapping("/{userId}")
    ResponseEntity<Void> delete(@PathVariable UUID portfolioId, @PathVariable UUID userId) {
        provisioning.delete(client(), portfolioId, userId);
        return ResponseEntity.noContent().build();
    }

    private static ScimClient client() {
        if (SecurityContextHolder.getContext().getAuthentication() instanceof ScimClient client) {
            return client;
        }
        throw new ScimException(HttpStatus.UNAUTHORIZED, null, "Send the portfolio's SCIM token.");
    }

    private static long number(String value, String parameter, long absent) {
        if (value == null || value.isBlank()) {
            return absent;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException notANumber) {
            throw ScimException.invalidValue("'" + parameter + "' must be an integer.");
        }
    }
}
