package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sender against receivers written by hand on a raw socket, to make them misbehave in ways no HTTP
 * server library would: an answer whose headers come at once and whose body never does, and one whose
 * body does not end. Each test is bounded: a sender without a deadline would wait for ever.
 */
@Timeout(30)
class WebhookSenderTests {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(1);

    private static final String SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private final ExecutorService receiver = Executors.newVirtualThreadPerTaskExecutor();

    private ServerSocket server;

    private WebhookSender sender;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        WebhookProperties properties = SenderProperties.of(true, READ_TIMEOUT);
        sender = new WebhookSender(properties, new ReceiverAddresses(properties));
    }

    @AfterEach
    void stop() throws IOException {
        sender.close();
        receiver.shutdownNow();
        server.close();
    }

    @Test
    void anAnswerWhoseBodyNeverComesIsAbandonedAtTheDeadlineAndItsConnectionClosed() throws Exception {
        CompletableFuture<Long> closedAfter = answer(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nthe first bytes", false);

        AttemptResult result = send();

        assertThat(result.error()).isEqualTo("Timed out waiting for the answer");
        assertThat(result.responseCode()).isNull();
        // Connect timeout plus read timeout at the most, with room for a slow machine; without the
        // deadline the call waited as long as the receiver held the body back.
        assertThat(result.duration()).isLessThan(Duration.ofSeconds(4));
        assertThat(closedAfter.get(10, TimeUnit.SECONDS))
                .isLessThan(Duration.ofSeconds(5).toMillis());
    }

    @Test
    void anAnswerWhoseBodyDoesNotEndIsReadOnlyAsFarAsItsExcerpt() throws Exception {
        CompletableFuture<Long> closedAfter = answer(
                "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\nContent-Length: 100000000\r\n\r\n", true);

        AttemptResult result = send();

        assertThat(result.responseCode()).isEqualTo(503);
        assertThat(result.error()).isEqualTo("The receiver answered 503");
        assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(result.responseExcerpt())
                .hasSize(WebhookSender.EXCERPT_LENGTH)
                .matches("x+");
        assertThat(closedAfter.get(10, TimeUnit.SECONDS))
                .isLessThan(Duration.ofSeconds(5).toMillis());
    }

    private AttemptResult send() {
        return sender.send(
                "http://127.0.0.1:" + server.getLocalPort() + "/hook",
                "msg_1",
                List.of(SECRET),
                "{\"type\":\"job.completed\"}",
                Instant::now);
    }

    /**
     * Accepts one connection, reads the request's headers, writes {@code head}, then either writes
     * {@code x} without end ({@code endless}) or nothing more. Completes with how many milliseconds after
     * the head the sender closed the connection.
     */
    private CompletableFuture<Long> answer(String head, boolean endless) {
        CompletableFuture<Long> closedAfter = new CompletableFuture<>();
        receiver.submit(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                readHeaders(in);
                OutputStream out = socket.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                long start = System.nanoTime();
                if (endless) {
                    byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
                    try {
                        while (true) {
                            out.write(chunk);
                        }
                    } catch (IOException closed) {
                        closedAfter.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    }
                } else {
                    // The sender sends nothing more: its closing is the end of this stream.
                    while (in.read() >= 0) {
                        // a request body already read with the headers' length is not expected here
                    }
                    closedAfter.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            } catch (IOException ex) {
                closedAfter.completeExceptionally(ex);
            }
            return null;
        });
        return closedAfter;
    }

    /** Reads up to the blank line that ends the headers, and the body of the length they announce. */
    private static void readHeaders(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("The request ended before its headers did");
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(
                        line.substring("content-length:".length()).strip()));
            }
        }
    }
}
