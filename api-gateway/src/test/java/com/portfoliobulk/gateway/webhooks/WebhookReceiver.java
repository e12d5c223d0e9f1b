package com.portfoliobulk.gateway.webhooks;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * A webhook endpoint on a free port of this machine: it answers each request as scripted and
 * verifies each request's signature with the Standard Webhooks reference library (not with the
 * gateway's own signing code), keeping what it received.
 */
final class WebhookReceiver implements AutoCloseable {

    private final HttpServer server;

    private final List<Received> received = new CopyOnWriteArrayList<>();

    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();

    private volatile Reply otherwise = new Reply(200, Map.of(), "ok");

    private volatile boolean refusingUnverified;

    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** The URL of {@code path} on this receiver. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The secret the signatures of requests to {@code path} are verified with. */
    WebhookReceiver verifying(String path, String secret) {
        secrets.put(path, secret);
        return this;
    }

    /** Answers the next requests with these replies, in order, then with {@link #otherwise}. */
    WebhookReceiver thenReply(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /**
     * Answers a request whose signature or timestamp does not verify 400, as a receiver using the
     * Standard Webhooks library does, whatever is scripted.
     */
    WebhookReceiver refusingUnverified() {
        refusingUnverified = true;
        return this;
    }

    WebhookReceiver otherwise(Reply reply) {
        this.otherwise = reply;
        return this;
    }

    /** Keeps every request to {@code path} waiting until {@link #release(String)}. */
    WebhookReceiver holding(String path) {
        holds.put(path, new CountDownLatch(1));
        return this;
    }

    void release(String path) {
        CountDownLatch hold = holds.remove(path);
        if (hold != null) {
            hold.countDown();
        }
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Instant at = Instant.now();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, List<String>> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values));
            String path = exchange.getRequestURI().getPath();
            boolean verified = verify(secrets.get(path), body, headers);
            Reply reply =
                    refusingUnverified && !verified ? new Reply(400, Map.of(), "Invalid signature") : script.poll();
            if (reply == null) {
                reply = otherwise;
            }
            received.add(new Received(at, path, headers, body, verified, reply.status()));
            try {
                CountDownLatch hold = holds.get(path);
                if (hold != null) {
                    hold.await(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            reply.headers()
                    .forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            byte[] answer = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private static boolean verify(String secret, String body, Map<String, List<String>> headers) {
        if (secret == null) {
            return false;
        }
        BiPredicate<String, String> all = (name, value) -> true;
        try {
            new Webhook(secret).verify(body, HttpHeaders.of(headers, all));
            return true;
        } catch (WebhookVerificationException | EmptyWebhookSecretException ex) {
            return false;
        }
    }

    @Override
    public void close() {
        holds.values().forEach(CountDownLatch::countDown);
        server.stop(0);
    }

    /** A scripted answer. */
    record Reply(int status, Map<String, String> headers, String body) {

        static Reply status(int status) {
            return new Reply(status, Map.of(), "");
        }
    }

    /** A request as received. */
    record Received(
            Instant at,
            String path,
            Map<String, List<String>> headers,
            String body,
            boolean signatureVerified,
            int answeredWith) {

        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.getFirst();
        }
    }
}
