package com.portfoliobulk.gateway.activity;

import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.InternalServiceUrls;
import com.portfoliobulk.gateway.web.InternalServices;
import com.portfoliobulk.gateway.web.RequestIds;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads an account's activity log from the audit-consumer's internal API ({@link AuditLogApi}) and
 * hands its answer back (status, content type and JSON body): its pages and its 400 problems (the
 * client's parameters) have the shape of the gateway's own, a problem with the gateway's {@code requestId}
 * as every problem of the gateway has it. When the audit-consumer cannot be reached
 * in time, or refuses the gateway itself (any other client error): 503 with {@code Retry-After}.
 */
@Component
class AuditLogClient {

    private final InternalService<AuditLogApi> audit;

    private final JsonMapper json;

    AuditLogClient(InternalServiceUrls urls, InternalServices services, JsonMapper json) {
        this.json = json;
        this.audit = services.connect(
                InternalServices.Callee.AUDIT_CONSUMER,
                urls.audit(),
                AuditLogApi.class,
                "The activity log cannot be read right now");
    }

    /** One page of the log; {@code since}, {@code limit} and {@code cursor} are forwarded when given. */
    ResponseEntity<byte[]> page(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        return audit.call(api -> {
            try {
                return answer(api.page(portfolioId, accountId, since, limit, cursor));
            } catch (HttpClientErrorException refused) {
                if (refused.getStatusCode().value() != 400) {
                    // Not about the client's parameters: the audit-consumer refused this gateway (its internal
                    // token, clocks apart, another version). Told as the gateway's trouble, not the client's.
                    throw audit.unavailable(refused);
                }
                HttpHeaders headers = new HttpHeaders();
                MediaType type = refused.getResponseHeaders() == null
                        ? null
                        : refused.getResponseHeaders().getContentType();
                if (type != null) {
                    headers.setContentType(type);
                }
                return new ResponseEntity<>(
                        withRequestId(refused.getResponseBodyAsByteArray(), type), headers, refused.getStatusCode());
            }
        });
    }

    /** The problem with this request's id as {@code requestId}; any other body as it is. */
    private byte[] withRequestId(byte[] body, MediaType type) {
        if (type == null || !MediaType.APPLICATION_PROBLEM_JSON.isCompatibleWith(type)) {
            return body;
        }
        try {
            JsonNode problem = json.readTree(body);
            if (problem instanceof ObjectNode fields) {
                fields.put(RequestIds.KEY, RequestIds.current());
                return json.writeValueAsBytes(fields);
            }
        } catch (JacksonException unreadable) {
            // Not the problem it says it is: passed on as it came.
        }
        return body;
    }

    private static ResponseEntity<byte[]> answer(ResponseEntity<byte[]> page) {
        HttpHeaders headers = new HttpHeaders();
        MediaType type = page.getHeaders().getContentType();
        if (type != null) {
            headers.setContentType(type);
        }
        return new ResponseEntity<>(page.getBody(), headers, page.getStatusCode());
    }
}
