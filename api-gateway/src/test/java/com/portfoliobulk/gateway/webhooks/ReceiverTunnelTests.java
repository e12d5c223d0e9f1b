package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deliveries connect through the tunnel to an address checked as they connect, as they do in
 * production (local URLs not allowed). The receivers are on loopback addresses, which the tests' rule
 * treats as the only public one ({@code 127.0.0.1}) and as internal ({@code 127.0.0.2}); the host
 * {@code receiver.test} resolves through a stand-in, as a DNS server under an attacker's control would,
 * and no other name resolves.
 */
@Timeout(30)
class ReceiverTunnelTests {

    private static final String SECRET = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private static final Predicate<InetAddress> ONLY_127_0_0_1 =
            address -> address.getHostAddress().equals("127.0.0.1");

    private WebhookSender sender;

    private ServerSocket checked;

    private ServerSocket internal;

    @AfterEach
    void stop() throws IOException {
        if (sender != null) {
            sender.close();
        }
        for (ServerSocket server : new ServerSocket[] {checked, internal}) {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void aDeliveryGoesThroughTheTunnelWithItsTlsEndToEnd() throws Exception {
        checked = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        sender = sender(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
        CompletableFuture<byte[]> firstBytes = CompletableFuture.supplyAsync(() -> {
            try (Socket socket = checked.accept()) {
                return socket.getInputStream().readNBytes(3);
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        });

        AttemptResult result = send(checked.getLocalPort());

        // A TLS handshake record (content type 22, version 3.x): the client's hello, relayed as sent.
        assertThat(firstBytes.get(10, TimeUnit.SECONDS)).startsWith(0x16, 0x03);
        assertThat(result.refused()).as(result.error()).isFalse();
        assertThat(result.responseCode()).isNull();
    }

    /**
     * The receiver's host takes 2 s to resolve at the tunnel (a slow DNS server), within the connect
     * timeout (3 s here): once reached, the receiver still has the read timeout (3 s) to answer. The
     * request's timeout was the read timeout alone, counted from before the tunnel connected, and the
     * receiver was given up on 1 s after it was reached. Now the request's timeout is connect plus read
     * timeout, so it waits about 4 s once reached: a second either way, so that a slow, busy machine
     * neither fails the fix nor passes the old behaviour.
     */
    @Test
    void aReceiverReachedLateStillHasTheReadTimeoutToAnswer() throws Exception {
        Duration readTimeout = Duration.ofSeconds(3);
        checked = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        AtomicInteger lookups = new AtomicInteger();
        sender = sender(Duration.ofSeconds(3), readTimeout, host -> {
            if (lookups.incrementAndGet() == 2) {
                try {
                    Thread.sleep(2000); // the tunnel's lookup: a DNS server that answers late
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new UnknownHostException(host);
                }
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        });
        CompletableFuture<Long> reached = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (Socket socket = checked.accept()) {
                reached.complete(System.nanoTime());
                // Reads the client's hello and whatever follows, never answering, until the client gives up.
                socket.getInputStream().readAllBytes();
            } catch (IOException ex) {
                reached.completeExceptionally(ex);
            }
        });

        AttemptResult result = send(checked.getLocalPort());
        long gaveUp = System.nanoTime();

        assertThat(result.responseCode()).isNull();
        assertThat(result.refused()).as(result.error()).isFalse();
        assertThat(Duration.ofNanos(gaveUp - reached.get(10, TimeUnit.SECONDS)))
                .as("waited for the answer once the receiver was reached")
                .isGreaterThanOrEqualTo(readTimeout);
    }

    /**
     * DNS rebinding: the host resolves to an allowed address for the check before sending, and to an
     * internal one a moment later. The connection is refused at the tunnel, and the internal address
     * is never reached. The attempt is logged and retried as when the name stops resolving at that
     * moment: the delivery log does not tell whether a name the receiver's DNS points at exists in the
     * gateway's network.
     */
    @Test
    void aHostThatResolvesToAnInternalAddressWhenConnectingIsRefusedAndNotReached() throws Exception {
        checked = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        internal = new ServerSocket(checked.getLocalPort(), 50, InetAddress.getByName("127.0.0.2"));
        AtomicInteger lookups = new AtomicInteger();
        sender = sender(host ->
                new InetAddress[] {InetAddress.getByName(lookups.incrementAndGet() == 1 ? "127.0.0.1" : "127.0.0.2")});

        AttemptResult result = send(checked.getLocalPort());

        assertThat(lookups).as("lookups: the check's, then the tunnel's").hasValue(2);
        assertThat(result.refused()).as(result.error()).isFalse();
        assertThat(result.retryable()).as(result.error()).isTrue();
        assertThat(result.error()).startsWith("Connection failed: the host did not resolve to public addresses only");
        for (ServerSocket server : new ServerSocket[] {internal, checked}) {
            server.setSoTimeout(200);
            assertThatThrownBy(server::accept)
                    .as("a connection to %s", server.getInetAddress())
                    .isInstanceOf(SocketTimeoutException.class);
        }
        sender.close();

        AtomicInteger vanishing = new AtomicInteger();
        sender = sender(host -> {
            if (vanishing.incrementAndGet() > 1) {
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        });
        AttemptResult unresolved = send(checked.getLocalPort());

        assertThat(vanishing).as("lookups: the check's, then the tunnel's").hasValue(2);
        assertThat(unresolved.error()).isEqualTo(result.error());
        assertThat(unresolved.refused()).isEqualTo(result.refused());
    }

    /**
     * A resolver that does not answer the check before sending (a DNS server that times out, tried
     * again and again) fails the attempt at its deadline, connect plus read timeout, to be retried like
     * a receiver that cannot be reached: the attempt ends within the lease of its message, and no other
     * gateway sends the message while it waits. The lookup was awaited for as long as it took.
     */
    @Test
    void aHostThatDoesNotResolveInTimeFailsTheAttemptAtItsDeadline() throws Exception {
        checked = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        CountDownLatch answer = new CountDownLatch(1);
        sender = sender(host -> {
            try {
                answer.await(); // a resolver that answers only once the test has ended
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException(host);
            }
            return new InetAddress[] {InetAddress.getByName("127.0.0.1")};
        });
        try {
            // A bound on a hang, far past the deadline (2 s): without one the attempt waited for ever.
            AttemptResult result =
                    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> send(checked.getLocalPort()));

            assertThat(result.error()).isEqualTo("Timed out resolving the receiver's host");
            assertThat(result.responseCode()).isNull();
            assertThat(result.refused()).as(result.error()).isFalse();
            assertThat(result.retryable()).isTrue();
        } finally {
            answer.countDown();
        }
    }

    /**
     * At the check before sending, a name that resolves to an internal address is logged in the words
     * of a name that does not resolve, and retried like it: nothing tells the two apart.
     */
    @Test
    void aNameWithAnInternalAddressIsLoggedAndRetriedAsANameThatDoesNotResolve() throws Exception {
        internal = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
        sender = sender(host -> new InetAddress[] {InetAddress.getByName("127.0.0.2")});

        AttemptResult result = send(internal.getLocalPort());
        AttemptResult unresolved = sender.send(
                "https://no-such-receiver.test:" + internal.getLocalPort() + "/hook",
                "msg_1",
                List.of(SECRET),
                "{\"type\":\"job.completed\"}",
                Instant::now);

        assertThat(result.error())
                .isEqualTo("Not sent: the URL " + ReceiverAddresses.NO_PUBLIC_ADDRESS)
                .isEqualTo(unresolved.error());
        assertThat(result.refused()).as(result.error()).isFalse();
        assertThat(unresolved.refused()).as(unresolved.error()).isFalse();
        assertThat(result.retryable()).isTrue();
        internal.setSoTimeout(200);
        assertThatThrownBy(internal::accept).isInstanceOf(SocketTimeoutException.class);
    }

    /** An internal address written in the URL is named, and refused for good: the URL itself is wrong. */
    @Test
    void anInternalAddressInTheUrlIsRefusedAndNotRetried() throws Exception {
        internal = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
        sender = sender(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});

        AttemptResult result = sender.send(
                "https://127.0.0.2:" + internal.getLocalPort() + "/hook",
                "msg_1",
                List.of(SECRET),
                "{\"type\":\"job.completed\"}",
                Instant::now);

        assertThat(result.refused()).as(result.error()).isTrue();
        assertThat(result.retryable()).isFalse();
        assertThat(result.error()).startsWith("Refused: the URL resolves to 127.0.0.2, a loopback, private");
        internal.setSoTimeout(200);
        assertThatThrownBy(internal::accept).isInstanceOf(SocketTimeoutException.class);
    }

    /**
     * A subscription saved as {@code http://} while local URLs were allowed, delivered after they no
     * longer are: refused as the subscription would be now, and never sent in clear text.
     */
    @Test
    void aPlainHttpUrlIsRefusedWhenLocalUrlsAreNotAllowed() throws Exception {
        checked = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        sender = sender(host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});

        AttemptResult result = sender.send(
                "http://receiver.test:" + checked.getLocalPort() + "/hook",
                "msg_1",
                List.of(SECRET),
                "{\"type\":\"job.completed\"}",
                Instant::now);

        assertThat(result.refused()).as(result.error()).isTrue();
        assertThat(result.responseCode()).isNull();
        assertThat(result.error()).isEqualTo("Refused: the URL must be an https:// URL");
        checked.setSoTimeout(200);
        assertThatThrownBy(checked::accept).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void theTunnelServesConnectOnly() throws Exception {
        ReceiverAddresses addresses = new ReceiverAddresses(
                false, ONLY_127_0_0_1, host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
        try (ReceiverTunnel tunnel = new ReceiverTunnel(addresses, Duration.ofSeconds(1));
                Socket client = new Socket()) {
            client.connect(tunnel.address(), 1000);
            client.getOutputStream()
                    .write("GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));

            assertThat(statusLine(client.getInputStream())).isEqualTo("HTTP/1.1 405 Method Not Allowed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"receiver.test", "receiver.test:0", "receiver.test:65536", ":443", "[::1", "[::1]", "x:y"})
    void aConnectTargetWithoutAHostAndPortIsNone(String authority) {
        assertThat(ReceiverTunnel.target(authority)).isNull();
    }

    @Test
    void aConnectTargetIsAHostAndPort() {
        assertThat(ReceiverTunnel.target("receiver.test:8443"))
                .isEqualTo(InetSocketAddress.createUnresolved("receiver.test", 8443));
        assertThat(ReceiverTunnel.target("[2001:db8::1]:443").getHostString()).isEqualTo("[2001:db8::1]");
    }

    private static WebhookSender sender(ReceiverAddresses.Resolver resolver) {
        return sender(Duration.ofSeconds(1), Duration.ofSeconds(1), resolver);
    }

    private static WebhookSender sender(
            Duration connectTimeout, Duration readTimeout, ReceiverAddresses.Resolver resolver) {
        WebhookProperties properties = SenderProperties.of(false, connectTimeout, readTimeout);
        return new WebhookSender(properties, new ReceiverAddresses(false, ONLY_127_0_0_1, host -> {
            if (Character.isDigit(host.charAt(0))) {
                return InetAddress.getAllByName(host); // an address as written: read, not looked up
            }
            if (!host.equals("receiver.test")) {
                throw new UnknownHostException(host);
            }
            return resolver.resolve(host);
        }));
    }

    private AttemptResult send(int port) {
        return sender.send(
                "https://receiver.test:" + port + "/hook",
                "msg_1",
                List.of(SECRET),
                "{\"type\":\"job.completed\"}",
                Instant::now);
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
            line.append((char) b);
        }
        return line.toString();
    }
}
