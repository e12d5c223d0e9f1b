package com.portfoliobulk.gateway.web;

import com.portfoliobulk.internalauth.InternalTokenInterceptor;
import com.portfoliobulk.internalauth.InternalTokens;
import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The gateway's one HTTP client to the internal services: a {@link RestClient.Builder} with short
 * timeouts (2 s to connect, 5 s to answer), observed (each call is timed as
 * {@code http.client.requests} with its URI template and status, and continues the request's
 * trace), from which each service's {@code @HttpExchange} interface gets its client. Every call
 * carries a fresh internal token (signed with {@code bulk.internal-auth.token-secret}, which the
 * worker and the audit-consumer verify) and the request's id ({@code X-Request-Id}).
 *
 * <p>The gateway refuses to start without the secret: the internal services would refuse its calls.
 */
@Component
public class InternalServices {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final RestClient.Builder http;

    InternalServices(
            @Value("${bulk.internal-auth.token-secret:}") String secret,
            ObjectProvider<ObservationRegistry> observations) {
        InternalTokens tokens = InternalTokens.of(secret, "api-gateway");
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        requests.setReadTimeout(READ_TIMEOUT);
        this.http = RestClient.builder()
                .requestFactory(requests)
                .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP))
                .requestInterceptor(new InternalTokenInterceptor(tokens))
                .requestInterceptor(RequestIds.forwarding());
    }

    /**
     * The service at {@code baseUrl} through its {@code @HttpExchange} interface.
     *
     * @param unavailableDetail what the client is told when it cannot be reached, e.g. "The activity
     *     log cannot be read right now"
     */
    public <S> InternalService<S> connect(URI baseUrl, Class<S> api, String unavailableDetail) {
        RestClient client = http.clone().baseUrl(baseUrl.toString()).build();
        S proxy = HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client))
                .build()
                .createClient(api);
        return new InternalService<>(proxy, unavailableDetail);
    }
}
