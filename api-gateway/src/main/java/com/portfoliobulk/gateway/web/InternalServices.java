package com.portfoliobulk.gateway.web;

import com.portfoliobulk.internalauth.InternalTokenInterceptor;
import com.portfoliobulk.internalauth.InternalTokens;
import com.portfoliobulk.internalauth.SharedKeys;
import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import io.micrometer.observation.ObservationRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

/**
 * The gateway's one HTTP client to the internal services: a {@link RestClient.Builder} with short
 * timeouts (2 s to connect, 5 s to answer), observed (each call is timed as
 * {@code http.client.requests} with its URI template and status, and continues the request's
 * trace), from which each service's {@code @HttpExchange} interface gets its client. Every call
 * carries a fresh internal token naming the service called ({@link Callee}), signed with the secret of
 * that link ({@code bulk.internal-auth.worker-token-secret} or {@code .audit-token-secret}, each
 * {@code bulk.internal-auth.token-secret} when unset), which that service verifies, and the request's
 * id ({@code X-Request-Id}). So neither service needs the other's secret, nor the gateway's own, from
 * which the gateway derives its keys ({@link DerivedKeys}). A call that fails on the network names its
 * URL with any invitation token left out ({@link #secretsLeftOut}).
 *
 * <p>The gateway refuses to start without the secrets, naming the one it refuses: the internal
 * services would refuse its calls.
 */
@Component
public class InternalServices {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** The services the gateway calls, each with the audience of its tokens and the setting of its link's secret. */
    public enum Callee {
        BULK_WORKER(InternalTokens.BULK_WORKER, "BULK_WORKER_TOKEN_SECRET (bulk.internal-auth.worker-token-secret)"),
        AUDIT_CONSUMER(
                InternalTokens.AUDIT_CONSUMER, "BULK_AUDIT_TOKEN_SECRET (bulk.internal-auth.audit-token-secret)");

        private final String audience;

        private final String setting;

        Callee(String audience, String setting) {
            this.audience = audience;
            this.setting = setting;
        }
    }

    private final Map<Callee, RestClient.Builder> http = new EnumMap<>(Callee.class);

    /**
     * @param secret the gateway's own secret, which signs the calls of a link without a secret of its own
     * @param workerSecret the secret of the calls to the bulk-worker; empty: {@code secret}
     * @param auditSecret the secret of the calls to the audit-consumer; empty: {@code secret}
     */
    InternalServices(
            @Value("${bulk.internal-auth.token-secret:}") String secret,
            @Value("${bulk.internal-auth.worker-token-secret:}") String workerSecret,
            @Value("${bulk.internal-auth.audit-token-secret:}") String auditSecret,
            ObjectProvider<ObservationRegistry> observations) {
        Map<Callee, InternalTokens> tokens = new EnumMap<>(Callee.class);
        tokens.put(Callee.BULK_WORKER, tokens(Callee.BULK_WORKER, workerSecret, secret));
        tokens.put(Callee.AUDIT_CONSUMER, tokens(Callee.AUDIT_CONSUMER, auditSecret, secret));
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build());
        requests.setReadTimeout(READ_TIMEOUT);
        ObservationRegistry registry = observations.getIfAvailable(() -> ObservationRegistry.NOOP);
        tokens.forEach((callee, signing) -> http.put(
                callee,
                RestClient.builder()
                        .requestFactory(requests)
                        .observationRegistry(registry)
                        .requestInterceptor(InternalServices::secretsLeftOut)
                        .requestInterceptor(new InternalTokenInterceptor(signing))
                        .requestInterceptor(RequestIds.forwarding())));
    }

    /** The tokens of the calls to {@code callee}: signed with its link's secret, or the gateway's own without one. */
    private static InternalTokens tokens(Callee callee, String linkSecret, String secret) {
        SharedKeys<byte[]> signing = linkSecret == null || linkSecret.isBlank()
                ? SharedKeys.of(secret, null)
                : SharedKeys.signing(linkSecret, callee.setting);
        return InternalTokens.forAudience(callee.audience, signing, "api-gateway");
    }

    /**
     * The service {@code callee} at {@code baseUrl} through its {@code @HttpExchange} interface.
     *
     * @param unavailableDetail what the client is told when it cannot be reached, e.g. "The activity
     *     log cannot be read right now"
     */
    public <S> InternalService<S> connect(Callee callee, URI baseUrl, Class<S> api, String unavailableDetail) {
        RestClient client = http.get(callee).clone().baseUrl(baseUrl.toString()).build();
        S proxy = HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client))
                .build()
                .createClient(api);
        return new InternalService<>(proxy, unavailableDetail);
    }

    /**
     * The call, whose network failure ({@link IOException}: refused, dropped, timed out) is Spring's
     * {@link ResourceAccessException} with the message the client would give it, but naming the URL
     * with any invitation token replaced ({@link SecretPaths}). The client's own message names the
     * whole URL, and the exception is recorded on the call's span (its exception event, exported with
     * the trace) and logged with the 503 it becomes; the worker's invitation calls have the token in
     * their path. An error answer's body is read with the token replaced too: a problem names the
     * request's path as its {@code instance}, and the client's exception for an error status quotes
     * the whole body, recorded and logged the same way.
     */
    private static ClientHttpResponse secretsLeftOut(
            HttpRequest request, byte[] body, ClientHttpRequestExecution execution) {
        ClientHttpResponse response;
        try {
            response = execution.execute(request, body);
        } catch (IOException failure) {
            throw networkFailure(request, failure);
        }
        try {
            String path = request.getURI().getRawPath();
            if (!response.getStatusCode().isError() || path.equals(SecretPaths.redact(path))) {
                return response;
            }
            return new RedactedErrorBody(response);
        } catch (IOException failure) {
            response.close();
            throw networkFailure(request, failure);
        }
    }

    /** The client's own exception for a network failure, naming the URL with its tokens replaced. */
    private static ResourceAccessException networkFailure(HttpRequest request, IOException failure) {
        return new ResourceAccessException(
                "I/O error on " + request.getMethod().name() + " request for \""
                        + SecretPaths.redact(request.getURI().toString()) + "\": " + failure.getMessage(),
                failure);
    }

    /** An error answer whose body, read whole (an error's problem is small), has every token replaced. */
    private static final class RedactedErrorBody implements ClientHttpResponse {

        /** The most of an error body kept: a problem is far smaller, and nothing reads more of one. */
        private static final int MAX_ERROR_BODY = 64 * 1024;

        private final ClientHttpResponse response;

        private final byte[] body;

        private final HttpHeaders headers;

        RedactedErrorBody(ClientHttpResponse response) throws IOException {
            this.response = response;
            byte[] read;
            try (InputStream in = response.getBody()) {
                read = in.readNBytes(MAX_ERROR_BODY);
            }
            this.body =
                    SecretPaths.redact(new String(read, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
            this.headers = new HttpHeaders();
            this.headers.putAll(response.getHeaders());
            this.headers.setContentLength(body.length);
        }

        @Override
        public HttpStatusCode getStatusCode() throws IOException {
            return response.getStatusCode();
        }

        @Override
        public String getStatusText() throws IOException {
            return response.getStatusText();
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void close() {
            response.close();
        }
    }
}
