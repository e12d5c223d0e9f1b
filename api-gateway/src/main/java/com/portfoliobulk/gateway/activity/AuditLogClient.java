package com.portfoliobulk.gateway.activity;

import com.portfoliobulk.gateway.web.InternalClients;
import com.portfoliobulk.gateway.web.InternalService;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Reads an account's activity log from the audit-consumer's internal API and hands its answer back
 * as it is (status, content type and JSON body), so its paging and its parameter problems reach the
 * client unchanged. When the audit-consumer cannot be reached in time: 503 with {@code Retry-After}.
 */
@Component
class AuditLogClient {

    private static final String PATH = "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log";

    private final InternalService audit;

    AuditLogClient(ActivityLogProperties properties, InternalClients clients) {
        this.audit = clients.service(properties.auditBaseUrl(), "The activity log cannot be read right now");
    }

    /** One page of the log; {@code since}, {@code limit} and {@code cursor} are forwarded when given. */
    ResponseEntity<byte[]> page(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        URI uri = uri(portfolioId, accountId, since, limit, cursor);
        return audit.call(http -> http.get()
                .uri(uri)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .exchange((request, response) -> {
                    HttpHeaders headers = new HttpHeaders();
                    MediaType contentType = response.getHeaders().getContentType();
                    if (contentType != null) {
                        headers.setContentType(contentType);
                    }
                    return new ResponseEntity<>(response.getBody().readAllBytes(), headers, response.getStatusCode());
                }));
    }

    private URI uri(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(audit.baseUrl()).path(PATH);
        Map<String, Object> values = new HashMap<>();
        values.put("portfolioId", portfolioId);
        values.put("accountId", accountId);
        // As URI variables, so that their values are encoded strictly ("+" in a time offset stays a "+").
        addIfPresent(uri, values, "since", since);
        addIfPresent(uri, values, "limit", limit);
        addIfPresent(uri, values, "cursor", cursor);
        return uri.encode().buildAndExpand(values).toUri();
    }

    private static void addIfPresent(
            UriComponentsBuilder uri, Map<String, Object> values, String parameter, String value) {
        if (value != null) {
            uri.queryParam(parameter, "{" + parameter + "}");
            values.put(parameter, value);
        }
    }
}
