package com.portfoliobulk.gateway.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

/**
 * One of the internal services the gateway forwards to (the audit-consumer's activity log, the
 * bulk-worker's invitations): an HTTP client with short timeouts (2 s to connect, 5 s to answer),
 * and a 503 problem with {@code Retry-After} when the service cannot be reached in time.
 */
public final class InternalService {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private static final long RETRY_AFTER_SECONDS = 5;

    private final URI baseUrl;

    private final String unavailableDetail;

    private final RestClient http;

    /**
     * @param baseUrl where the service is
     * @param unavailableDetail what the client is told when it cannot be reached, e.g. "The activity
     *     log cannot be read right now"
     */
    public InternalService(URI baseUrl, String unavailableDetail) {
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        requests.setReadTimeout(READ_TIMEOUT);
        this.baseUrl = baseUrl;
        this.unavailableDetail = unavailableDetail;
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    /** Where the service is. */
    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * Makes a call; when the service cannot be reached, does not answer in time or answers something
     * unreadable, 503 with {@code Retry-After}.
     */
    public <T> T call(Function<RestClient, T> call) {
        try {
            return call.apply(http);
        } catch (RestClientException unreachable) {
            // Cannot connect, timed out, or answered something that cannot be read.
            throw unavailable(unreachable);
        }
    }

    /** 503 with {@code Retry-After}: the service is down or does not answer properly. */
    public RequestRefusedException unavailable(Throwable cause) {
        return new RequestRefusedException(
                RequestRefusedException.Reason.UNAVAILABLE,
                "Service unavailable",
                unavailableDetail + "; try again shortly.",
                List.of(),
                RETRY_AFTER_SECONDS,
                cause);
    }
}
