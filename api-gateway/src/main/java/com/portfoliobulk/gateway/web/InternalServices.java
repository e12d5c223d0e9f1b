package com.portfoliobulk.gateway.web;

import io.micrometer.observation.ObservationRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The gateway's one HTTP client to the internal services: a {@link RestClient.Builder} with short
 * timeouts (2 s to connect, 5 s to answer), observed (each call is timed as
 * {@code http.client.requests} with its URI template and status), from which each service's
 * {@code @HttpExchange} interface gets its client.
 */
@Component
public class InternalServices {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final RestClient.Builder http;

    InternalServices(ObjectProvider<ObservationRegistry> observations) {
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        requests.setReadTimeout(READ_TIMEOUT);
        this.http = RestClient.builder()
                .requestFactory(requests)
                .observationRegistry(observations.getIfAvailable(() -> ObservationRegistry.NOOP));
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
