package com.portfoliobulk.gateway.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Sends one signed message over HTTP, with the Standard Webhooks headers ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}). Checks the host's addresses right before
 * sending ({@link ReceiverAddresses#check(URI)}), connects within the connect timeout, waits for the
 * answer at most the read timeout, follows no redirect, uses no proxy, and reads no more of the answer
 * than its excerpt.
 *
 * <p>The JDK's client, not Apache HttpClient: with the latter on the classpath every default
 * {@code RestClient} of the application would use it, with its retries of 429 and 503 answers.
 */
class WebhookSender implements AutoCloseable {

    static final int EXCERPT_LENGTH = 200;

    private static final int MAX_ERROR_LENGTH = 500;

    private final HttpClient client;

    private final ReceiverAddresses addresses;

    private final Duration readTimeout;

    WebhookSender(WebhookProperties properties, ReceiverAddresses addresses) {
        this.addresses = addresses;
        this.readTimeout = properties.readTimeout();
        this.client = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .build();
    }

    AttemptResult send(String url, String messageId, String secret, String body) {
        long start = System.nanoTime();
        URI uri;
        try {
            uri = new URI(url);
            addresses.check(uri);
        } catch (URISyntaxException ex) {
            return failure(start, "The URL cannot be used: " + ex.getMessage(), true);
        } catch (RefusedAddressException ex) {
            return failure(start, "Refused: the URL " + ex.getMessage(), true);
        } catch (UnknownHostException ex) {
            return failure(start, "The host cannot be resolved: " + ex.getMessage(), false);
        }
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri)
                    .timeout(readTimeout)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "PortfolioBulkAccess-Webhooks/1")
                    .header("webhook-id", messageId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", MessageSignature.sign(secret, messageId, timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
        } catch (IllegalArgumentException ex) {
            return failure(start, "The URL cannot be used: " + ex.getMessage(), true);
        }
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String excerpt = excerpt(response.body());
            int code = response.statusCode();
            boolean ok = code >= 200 && code < 300;
            return new AttemptResult(
                    code,
                    Duration.ofNanos(System.nanoTime() - start),
                    ok ? null : "The receiver answered " + code,
                    excerpt,
                    retryAfter(response.headers().firstValue("Retry-After"), Instant.now()),
                    false);
        } catch (HttpConnectTimeoutException ex) {
            return failure(start, "Timed out connecting", false);
        } catch (HttpTimeoutException ex) {
            return failure(start, "Timed out waiting for the answer", false);
        } catch (IOException ex) {
            return failure(start, "Connection failed: " + ex, false);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return failure(start, "Interrupted", false);
        }
    }

    private static AttemptResult failure(long start, String error, boolean refused) {
        return new AttemptResult(
                null, Duration.ofNanos(System.nanoTime() - start), bounded(error), null, null, refused);
    }

    /** The start of the answer's body; the rest is never read (closing the stream drops it). */
    private static String excerpt(InputStream body) throws IOException {
        try (InputStream in = body) {
            byte[] bytes = in.readNBytes(EXCERPT_LENGTH * 4);
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                return null;
            }
            int end = text.offsetByCodePoints(0, Math.min(EXCERPT_LENGTH, text.codePointCount(0, text.length())));
            return text.substring(0, end);
        }
    }

    /** {@code Retry-After} as seconds or as an HTTP date; {@code null} when absent or unreadable. */
    static Duration retryAfter(Optional<String> header, Instant now) {
        if (header.isEmpty()) {
            return null;
        }
        String value = header.get().strip();
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
        client.shutdownNow();
    }

    /** The host resolves to an address deliveries may not reach. */
    static final class RefusedAddressException extends UnknownHostException {

        RefusedAddressException(String message) {
            super(message);
        }
    }
}
