package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.web.ProblemAdvice;
import com.portfoliobulk.servicesupport.web.Outages;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
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

    private static final Logger log = LoggerFactory.getLogger(ScimErrors.class);

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

    /**
     * A dependency that is unavailable ({@link Outages}: the database cannot be reached, a transaction
     * cannot begin, a statement fails that a retry resolves): 503 with {@code Retry-After} and the detail
     * the API's 503 has ({@link ProblemAdvice}), without {@code scimType}, logged as the API logs it, one
     * WARN line without a stack trace. Null when {@code failure} is no such error.
     */
    static ResponseEntity<Map<String, Object>> unavailable(Throwable failure) {
        String dependency = Outages.dependency(failure);
        if (dependency == null) {
            return null;
        }
        log.warn("Answering 503: {}", failure.toString());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(ProblemAdvice.UNAVAILABLE_RETRY_AFTER_SECONDS));
        return answer(HttpStatus.SERVICE_UNAVAILABLE, null, ProblemAdvice.unavailableDetail(dependency), headers);
    }

    /** {@link #unavailable} written by a filter, which then answers nothing else; false when it is no such error. */
    static boolean writeUnavailable(HttpServletResponse response, JsonMapper json, Throwable failure)
            throws IOException {
        ResponseEntity<Map<String, Object>> answer = unavailable(failure);
        if (answer == null) {
            return false;
        }
        response.setHeader(HttpHeaders.RETRY_AFTER, answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER));
        response.setStatus(answer.getStatusCode().value());
        response.setContentType(ScimUserController.SCIM_JSON);
        json.writeValue(response.getOutputStream(), answer.getBody());
        return true;
    }

    static void write(HttpServletResponse response, JsonMapper json, HttpStatusCode status, String detail)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(ScimUserController.SCIM_JSON);
        json.writeValue(response.getOutputStream(), body(status, null, detail));
    }
}
