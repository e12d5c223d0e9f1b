package com.portfoliobulk.gateway.web;

import com.portfoliobulk.internalauth.InternalTokenInterceptor;
import com.portfoliobulk.internalauth.InternalTokens;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Makes the gateway's clients of the internal services: every call carries a fresh internal token
 * (signed with {@code bulk.internal-auth.token-secret}, which the worker and the audit-consumer
 * verify) and the request's id ({@code X-Request-Id}), and is observed, so that it shows in the
 * {@code http.client.requests} metrics and continues the request's trace.
 *
 * <p>The gateway refuses to start without the secret: the internal services would refuse its calls.
 */
@Component
public class InternalClients {

    private final InternalTokens tokens;

    private final ObservationRegistry observations;

    InternalClients(
            @Value("${bulk.internal-auth.token-secret:}") String secret,
            ObjectProvider<ObservationRegistry> observations) {
        this.tokens = InternalTokens.of(secret, "api-gateway");
        this.observations = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
    }

    /** A client of the service at {@code baseUrl}; see {@link InternalService}. */
    public InternalService service(URI baseUrl, String unavailableDetail) {
        RestClient.Builder http = RestClient.builder()
                .observationRegistry(observations)
                .requestInterceptor(new InternalTokenInterceptor(tokens))
                .requestInterceptor(RequestIds.forwarding());
        return new InternalService(http, baseUrl, unavailableDetail);
    }
}
