package com.portfoliobulk.gateway.scim;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/** The SCIM error format (RFC 7644 section 3.12), as an answer or written by a filter. */
public final class ScimErrors {

    /** The SCIM base path: errors under it are SCIM errors. */
    public static final String PATHS = "/scim/v2/";

    /** The SCIM media type, as a header value. */
    public static final String CONTENT_TYPE = ScimUserController.SCIM_JSON;

    static final String ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

    static final MediaType SCIM_JSON = MediaType.parseMediaType(ScimUserController.SCIM_JSON);

    private ScimErrors() {}

    /** The error body: {@code status} is a string, as the RFC has it. */
    public static Map<String, Object> body(HttpStatusCode status, String scimType, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schemas", List.of(ERROR_SCHEMA));
        body.put("status", String.valueOf(status.value()));
        if (scimType != null) {
            body.put("scimType", scimType);
        }
        body.put("detail", detail);
        return body;
    }

    static ResponseEntity<Map<String, Object>> answer(
            HttpStatusCode status, String scimType, String detail, HttpHeaders headers) {
        return ResponseEntity.status(status)
                .headers(headers)
                .contentType(SCIM_JSON)
                .body(body(status, scimType, detail));
    }

    static void write(HttpServletResponse response, JsonMapper json, HttpStatusCode status, String detail)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(ScimUserController.SCIM_JSON);
        json.writeValue(response.getOutputStream(), body(status, null, detail));
    }
}
