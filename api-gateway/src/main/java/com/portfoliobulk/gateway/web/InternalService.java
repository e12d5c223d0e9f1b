package com.portfoliobulk.gateway.web;

import java.util.List;
import java.util.function.Function;
import org.springframework.web.client.RestClientException;

/**
 * One of the internal services the gateway forwards to (the audit-consumer's activity log, the
 * bulk-worker's invitations), called through its {@code @HttpExchange} interface on the gateway's
 * observed HTTP client ({@link InternalServices}); a 503 problem with {@code Retry-After} when the
 * service cannot be reached in time.
 *
 * @param <S> the service's {@code @HttpExchange} interface
 */
public final class InternalService<S> {

    private static final long RETRY_AFTER_SECONDS = 5;

    private final S api;

    private final String unavailableDetail;

    InternalService(S api, String unavailableDetail) {
        this.api = api;
        this.unavailableDetail = unavailableDetail;
    }

    /**
     * Makes a call; when the service cannot be reached, does not answer in time, answers a server
     * error or something unreadable, 503 with {@code Retry-After}. Client errors (4xx) reach the
     * caller as {@link org.springframework.web.client.HttpClientErrorException} to map them first.
     */
    public <T> T call(Function<S, T> call) {
        try {
            return call.apply(api);
        } catch (RestClientException unreachable) {
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
