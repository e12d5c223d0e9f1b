package com.portfoliobulk.internalauth;

import java.io.IOException;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/** Adds a freshly minted internal token to each call of an HTTP client aimed at another service. */
public final class InternalTokenInterceptor implements ClientHttpRequestInterceptor {

    private final InternalTokens tokens;

    public InternalTokenInterceptor(InternalTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        request.getHeaders().setBearerAuth(tokens.mint());
        return execution.execute(request, body);
    }
}
