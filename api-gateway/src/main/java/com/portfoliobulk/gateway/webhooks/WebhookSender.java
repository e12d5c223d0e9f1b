package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.contracts.ControlCharacters;
import java.io.ByteArrayOutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Sends one signed message over HTTP, with the Standard Webhooks headers ({@code webhook-id},
 * {@code webhook-timestamp}, {@code webhook-signature}). Checks the host's addresses right before
 * sending ({@link ReceiverAddresses#check(URI)}), connects through the {@link ReceiverTunnel} (unless
 * local URLs are allowed, when no address is refused) so that the address connected to is one checked,
 * within the connect timeout, waits for the answer, its excerpt included, at most the read timeout,
 * follows no redirect, uses no other proxy, and reads no more of the answer than its excerpt.
 *
 * <p>The request's own timeout ends once the answer's headers have come; a receiver that sends them and
 * then holds the body back would hold the sending thread and its delivery slots for as long as it
 * liked. So the whole attempt, the check of the addresses included, is awaited with a deadline
 * (connect plus read timeout, counted from its start), and abandoned (its connection closed) when the
 * deadline passes: whatever the resolver or the receiver does, an attempt ends within the lease of its
 * message, which is longer than the deadline by the time to store the outcome.
 *
 * <p>The JDK's client, not Apache HttpClient: with the latter on the classpath every default
 * {@code RestClient} of the application would use it, with its retries of 429 and 503 answers.
 */
class WebhookSender implements AutoCloseable {

    static final int EXCERPT_LENGTH = 200;

    private static final int MAX_ERROR_LENGTH = 500;

    /** Why an attempt whose check of the receiver's addresses did not end within its deadline failed. */
    static final String RESOLVING_TIMED_OUT = "Timed out resolving the receiver's host";

    /** How the JDK's client reports a proxy's answer other than 200 to its CONNECT. */
    private static final String TUNNEL_FAILED = "Tunnel failed, got:";

    private final HttpClient client;

    /** Null when local URLs are allowed: then every address is, and the client connects by itself. */
    private final ReceiverTunnel tunnel;

    private final ReceiverAddresses addresses;

    /**
     * The longest one attempt may take: checking the receiver's addresses, connecting, then the answer
     * and its excerpt.
     */
    private final Duration deadline;

    /** The gateway's clock: a date in {@code Retry-After} is turned into a wait by it. */
    private final Clock clock;

    WebhookSender(WebhookProperties properties, ReceiverAddresses addresses) {
        this(properties, addresses, Clock.systemUTC());
    }

    WebhookSender(WebhookProperties properties, ReceiverAddresses addresses, Clock clock) {
        this.addresses = addresses;
        this.clock = clock;
        this.deadline = properties.connectTimeout().plus(properties.readTimeout());
        this.tunnel = properties.allowLocalUrls() ? null : new ReceiverTunnel(addresses, properties.connectTimeout());
        this.client = HttpClient.newBuilder()
                .connectTimeout(properties.connectTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(tunnel == null ? HttpClient.Builder.NO_PROXY : ProxySelector.of(tunnel.address()))
                .build();
    }

    /**
     * One attempt to deliver the message, signed with each of {@code secrets} (the subscription's, then
     * those rotations replaced that still sign, newest first), dated ({@code webhook-timestamp}) by
     * {@code databaseNow}, the database's clock: it dates everything else about a message (its
     * payload's {@code timestamp}, its attempts, its retries and the end of its retry period), and a
     * receiver refuses a message dated more than 5 minutes off its own clock, which a gateway whose
     * clock is off would otherwise have every message refused for.
     */
    AttemptResult send(String url, String messageId, List<String> secrets, String body, Supplier<Instant> databaseNow) {
        long start = System.nanoTime();
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException ex) {
            return failure(start, "The URL cannot be used: " + ex.getMessage(), true);
        }
        // The check resolves the host, which a slow resolver may make last longer than the lease of the
        // message: it runs on a thread of its own, awaited within the attempt's deadline, and is left to
        // end by itself when it does not end in time (a lookup cannot be interrupted).
        FutureTask<Void> check = new FutureTask<>(() -> {
            addresses.check(uri);
            return null;
        });
        Thread.ofVirtual().name("webhook-address-check").start(check);
        try {
            check.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            return failure(start, RESOLVING_TIMED_OUT, false);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return failure(start, "Interrupted", false);
        } catch (ExecutionException ex) {
            switch (ex.getCause()) {
                case RefusedAddressException refused -> {
                    return failure(start, "Refused: the URL " + refused.getMessage(), true);
                }
                case UnknownHostException unknown -> {
                    // Also a host name whose addresses are not all allowed: retried like one that does not
                    // resolve, since its DNS may be mended, until the message's retry period ends.
                    return failure(start, "Not sent: the URL " + unknown.getMessage(), false);
                }
                case RuntimeException unexpected -> throw unexpected;
                case Error unexpected -> throw unexpected;
                case Throwable unexpected -> throw new IllegalStateException(unexpected);
            }
        }
        // The exchange has what the check left of the deadline.
        Duration remaining = deadline.minusNanos(System.nanoTime() - start);
        if (remaining.compareTo(Duration.ofMillis(1)) < 0) {
            return failure(start, RESOLVING_TIMED_OUT, false);
        }
        long timestamp = databaseNow.get().getEpochSecond();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri)
                    // The JDK counts it from before connecting (through the tunnel: resolving the receiver's
                    // host and connecting to it), so it is the deadline: the read timeout after the connect's,
                    // less what the check took.
                    .timeout(remaining)
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "PortfolioBulkAccess-Webhooks/1")
                    .header("webhook-id", messageId)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", MessageSignature.sign(secrets, messageId, timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
        } catch (IllegalArgumentException ex) {
            return failure(start, "The URL cannot be used: " + ex.getMessage(), true);
        }
        CompletableFuture<HttpResponse<byte[]>> exchange =
                client.sendAsync(request, answer -> new Excerpt(EXCERPT_LENGTH * 4));
        try {
            HttpResponse<byte[]> response =
                    exchange.get(deadline.toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
            String excerpt = excerpt(response.body());
            int code = response.statusCode();
            boolean ok = code >= 200 && code < 300;
            return new AttemptResult(
                    code,
                    Duration.ofNanos(System.nanoTime() - start),
                    ok ? null : "The receiver answered " + code,
                    excerpt,
                    retryAfter(response.headers().firstValue("Retry-After"), clock.instant()),
                    false,
                    false);
        } catch (TimeoutException ex) {
            exchange.cancel(true);
            return failure(start, "Timed out waiting for the answer", false);
        } catch (ExecutionException ex) {
            return switch (ex.getCause()) {
                case HttpConnectTimeoutException timeout -> failure(start, "Timed out connecting", false);
                case HttpTimeoutException timeout -> failure(start, "Timed out waiting for the answer", false);
                case Throwable cause ->
                    switch (tunnelAnswer(cause)) {
                        // An address written in the URL; a name is answered 502 whatever it resolves to.
                        case 403 ->
                            failure(
                                    start,
                                    "Refused: the URL resolved, when connecting, to a loopback, private, link-local or"
                                            + " reserved address; use a public address",
                                    true);
                        case 504 -> failure(start, "Timed out connecting", false);
                        case 502 ->
                            failure(
                                    start,
                                    "Connection failed: the host did not resolve to public addresses only, or could"
                                            + " not be reached",
                                    false);
                        default -> failure(start, "Connection failed: " + cause, false);
                    };
            };
        } catch (InterruptedException ex) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return failure(start, "Interrupted", false);
        }
    }

    /**
     * The status the tunnel answered when it did not connect (the client reports it as "Tunnel failed,
     * got: 403"), or 0.
     */
    private static int tunnelAnswer(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.startsWith(TUNNEL_FAILED)) {
                try {
                    return Integer.parseInt(
                            message.substring(TUNNEL_FAILED.length()).strip());
                } catch (NumberFormatException ex) {
                    return 0;
                }
            }
        }
        return 0;
    }

    private static AttemptResult failure(long start, String error, boolean refused) {
        return new AttemptResult(
                null, Duration.ofNanos(System.nanoTime() - start), bounded(error), null, null, refused, false);
    }

    /**
     * The first {@link #EXCERPT_LENGTH} characters of the answer's body, control characters replaced, or
     * null when it has none.
     */
    private static String excerpt(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return null;
        }
        int end = text.offsetByCodePoints(0, Math.min(EXCERPT_LENGTH, text.codePointCount(0, text.length())));
        return ControlCharacters.replacedIn(text.substring(0, end));
    }

    /**
     * Reads the first {@code limit} bytes of a body, then stops: the rest is never read (cancelling the
     * subscription closes the connection).
     */
    private static final class Excerpt implements HttpResponse.BodySubscriber<byte[]> {

        private final int limit;

        private final ByteArrayOutputStream read = new ByteArrayOutputStream();

        private final CompletableFuture<byte[]> body = new CompletableFuture<>();

        private Flow.Subscription subscription;

        Excerpt(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                byte[] bytes = new byte[Math.min(buffer.remaining(), limit - read.size())];
                buffer.get(bytes);
                read.writeBytes(bytes);
            }
            if (read.size() >= limit) {
                subscription.cancel();
                body.complete(read.toByteArray());
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(read.toByteArray());
        }
    }

    /**
     * {@code Retry-After} as seconds or as an HTTP date; {@code null} when absent or unreadable. Seconds
     * too many for a {@code long} are the longest wait there is, past any retry period.
     */
    static Duration retryAfter(Optional<String> header, Instant now) {
        if (header.isEmpty()) {
            return null;
        }
        String value = header.get().strip();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value)));
        } catch (NumberFormatException ex) {
            if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Duration.ofSeconds(Long.MAX_VALUE);
            }
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
        return ControlCharacters.replacedIn(
                text.length() <= MAX_ERROR_LENGTH ? text : text.substring(0, MAX_ERROR_LENGTH));
    }

    @Override
    public void close() {
        client.shutdownNow();
        if (tunnel != null) {
            tunnel.close();
        }
    }

    /** The URL's scheme is not allowed, or it gives an address deliveries may not reach. */
    static final class RefusedAddressException extends UnknownHostException {

        RefusedAddressException(String message) {
            super(message);
        }
    }
}
