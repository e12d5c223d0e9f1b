package com.portfoliobulk.gateway.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * Sends one signed message over HTTP, with the Standard Webhooks headers ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}). Connects within the connect timeout, waits for
 * the answer at most the read timeout, follows no redirect, and reads no more of the answer than its
 * excerpt. Hosts are resolved only through {@link ReceiverAddresses#resolver()}.
 */
class WebhookSender implements AutoCloseable {

    static final int EXCERPT_LENGTH = 200;

    private static final int MAX_ERROR_LENGTH = 500;

    private final CloseableHttpClient client;

    WebhookSender(WebhookProperties properties, ReceiverAddresses addresses) {
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(addresses.resolver())
                        .setMaxConnTotal(properties.maxConcurrentDeliveries())
                        .setMaxConnPerRoute(properties.maxConcurrentDeliveries())
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.of(properties.connectTimeout()))
                                .setSocketTimeout(Timeout.of(properties.readTimeout()))
                                .build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(properties.readTimeout()))
                        .setConnectionRequestTimeout(Timeout.of(properties.readTimeout()))
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("PortfolioBulkAccess-Webhooks/1")
                .build();
    }

    AttemptResult send(String url, String messageId, String secret, String body) {
        long timestamp = Instant.now().getEpochSecond();
        HttpPost post = new HttpPost(url);
        post.setHeader("webhook-id", messageId);
        post.setHeader("webhook-timestamp", Long.toString(timestamp));
        post.setHeader("webhook-signature", MessageSignature.sign(secret, messageId, timestamp, body));
        post.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        long start = System.nanoTime();
        try (ClassicHttpResponse response = client.executeOpen(null, post, null)) {
            int code = response.getCode();
            String excerpt = excerpt(response.getEntity());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            boolean ok = code >= 200 && code < 300;
            return new AttemptResult(
                    code,
                    took,
                    ok ? null : "The receiver answered " + code,
                    excerpt,
                    retryAfter(response.getFirstHeader("Retry-After"), Instant.now()),
                    false);
        } catch (RefusedAddressException ex) {
            return failure(start, "Refused: the URL " + ex.getMessage(), true);
        } catch (UnknownHostException ex) {
            return failure(start, "The host cannot be resolved: " + ex.getMessage(), false);
        } catch (InterruptedIOException ex) {
            return failure(start, "Timed out: " + ex.getMessage(), false);
        } catch (IOException ex) {
            return failure(start, "Connection failed: " + ex, false);
        } catch (IllegalArgumentException ex) {
            return failure(start, "The URL cannot be used: " + ex.getMessage(), true);
        }
    }

    private static AttemptResult failure(long start, String error, boolean refused) {
        return new AttemptResult(
                null, Duration.ofNanos(System.nanoTime() - start), bounded(error), null, null, refused);
    }

    /** The start of the answer's body; the rest is never read (the connection is closed instead). */
    private static String excerpt(HttpEntity entity) throws IOException {
        if (entity == null) {
            return null;
        }
        try (InputStream in = entity.getContent()) {
            if (in == null) {
                return null;
            }
            byte[] bytes = in.readNBytes(EXCERPT_LENGTH * 4);
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.offsetByCodePoints(0, Math.min(EXCERPT_LENGTH, text.codePointCount(0, text.length())));
            return text.isEmpty() ? null : text.substring(0, end);
        }
    }

    /** {@code Retry-After} as seconds or as an HTTP date; {@code null} when absent or unreadable. */
    static Duration retryAfter(Header header, Instant now) {
        if (header == null || header.getValue() == null) {
            return null;
        }
        String value = header.getValue().strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException ex) {
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static String bounded(String text) {
        return text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH);
    }

    @Override
    public void close() {
        client.close(CloseMode.IMMEDIATE);
    }

    /** The resolver refused the host's addresses: deliveries may not reach them. */
    static final class RefusedAddressException extends UnknownHostException {

        RefusedAddressException(String message) {
            super(message);
        }
    }
}
