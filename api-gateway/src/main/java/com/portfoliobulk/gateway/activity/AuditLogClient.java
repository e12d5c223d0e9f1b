package com.portfoliobulk.gateway.activity;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Reads an account's activity log from the audit-consumer's internal API and hands its answer back
 * as it is (status, content type and JSON body), so its paging and its parameter problems reach the
 * client unchanged. When the audit-consumer cannot be reached in time: 503 with {@code Retry-After}.
 */
@Component
class AuditLogClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private static final String RETRY_AFTER_SECONDS = "5";

    private static final String PATH = "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log";

    private final URI baseUrl;

    private final RestClient http;

    AuditLogClient(ActivityLogProperties properties) {
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        requests.setReadTimeout(READ_TIMEOUT);
        this.baseUrl = properties.auditBaseUrl();
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    /** One page of the log; {@code since}, {@code limit} and {@code cursor} are forwarded when given. */
    ResponseEntity<byte[]> page(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        URI uri = uri(portfolioId, accountId, since, limit, cursor);
        try {
            return http.get()
                    .uri(uri)
                    .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                    .exchange((request, response) -> {
                        HttpHeaders headers = new HttpHeaders();
                        MediaType contentType = response.getHeaders().getContentType();
                        if (contentType != null) {
                            headers.setContentType(contentType);
                        }
                        return new ResponseEntity<>(
                                response.getBody().readAllBytes(), headers, response.getStatusCode());
                    });
        } catch (ResourceAccessException unreachable) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                    HttpStatus.SERVICE_UNAVAILABLE, "The activity log cannot be read right now; try again shortly");
            ErrorResponseException unavailable =
                    new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, problem, unreachable);
            unavailable.getHeaders().set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
            throw unavailable;
        }
    }

    private URI uri(UUID portfolioId, UUID accountId, String since, String limit, String cursor) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(baseUrl).path(PATH);
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
