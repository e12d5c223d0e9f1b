package com.portfoliobulk.gateway.webhooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects each delivery to an address checked as it connects. Left to itself, the HTTP client would
 * resolve the receiver's host again after {@link ReceiverAddresses#check} did: a host whose DNS answer
 * changes in between (DNS rebinding, with a time to live of zero) would pass the check with a public
 * address and be reached at an internal one, its answer shown in the delivery log.
 *
 * <p>So the sender's client goes through this tunnel, an HTTP {@code CONNECT} proxy (RFC 9110, 9.3.6)
 * in this process, on the loopback interface and a port the system picks. For each connection it
 * resolves the host once ({@link ReceiverAddresses#connectable}), answers 403 when the host is an
 * address not allowed and 502 when it is a name that does not resolve or resolves to an address not
 * allowed (one answer for both, so that the delivery log does not tell them apart), connects to the
 * first address within the connect timeout (504 when it cannot in time, 502 when it fails), answers 200
 * and then relays bytes both ways until either side closes. TLS stays end to end between the client and
 * the receiver, with the host's name for SNI and the certificate check, so the tunnel sees ciphertext
 * only. Any other request is answered 405.
 */
final class ReceiverTunnel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReceiverTunnel.class);

    private static final Duration ACCEPT_RETRY_PAUSE = Duration.ofMillis(100);

    /** The longest request head read: a CONNECT line and a few headers. */
    private static final int MAX_HEAD = 8192;

    private final ReceiverAddresses addresses;

    private final int connectTimeoutMillis;

    private final ServerSocket server;

    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("webhook-tunnel-", 0).factory());

    /** Every socket open, so that closing the tunnel closes them. */
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    ReceiverTunnel(ReceiverAddresses addresses, Duration connectTimeout) {
        this.addresses = addresses;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        try {
            this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot open the webhook tunnel on the loopback interface", ex);
        }
        threads.submit(this::accept);
    }

    /** Where the tunnel listens. */
    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                open.add(client);
                threads.submit(() -> serve(client));
            } catch (IOException | RejectedExecutionException ex) {
                if (!server.isClosed()) {
                    log.warn("The webhook tunnel could not take a connection", ex);
                    pause();
                }
            }
        }
    }

    /** A short pause after a failed accept (out of file descriptors, say), so as not to spin on it. */
    private static void pause() {
        try {
            Thread.sleep(ACCEPT_RETRY_PAUSE);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void serve(Socket client) {
        Socket upstream = new Socket();
        open.add(upstream);
        try {
            // The head comes at once from this process's own client.
            client.setSoTimeout(connectTimeoutMillis);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String[] request = requestLine(in).split(" ");
            InetSocketAddress target = request.length == 3 && request[0].equals("CONNECT") ? target(request[1]) : null;
            if (target == null) {
                answer(out, request[0].equals("CONNECT") ? "400 Bad Request" : "405 Method Not Allowed");
                return;
            }
            InetAddress[] allowed;
            try {
                allowed = addresses.connectable(target.getHostString());
            } catch (WebhookSender.RefusedAddressException ex) {
                answer(out, "403 Forbidden");
                return;
            } catch (UnknownHostException ex) {
                answer(out, "502 Bad Gateway");
                return;
            }
            try {
                upstream.connect(new InetSocketAddress(allowed[0], target.getPort()), connectTimeoutMillis);
            } catch (SocketTimeoutException ex) {
                answer(out, "504 Gateway Timeout");
                return;
            } catch (IOException ex) {
                answer(out, "502 Bad Gateway");
                return;
            }
            answer(out, "200 Connection Established");
            client.setSoTimeout(0);
            threads.submit(() -> relay(upstream, client));
            relay(client, upstream);
        } catch (IOException | RejectedExecutionException ex) {
            log.debug("A webhook tunnel connection ended: {}", ex.toString());
        } finally {
            close(upstream);
            close(client);
        }
    }

    /** Copies what {@code from} sends to {@code to} until either ends, then closes both. */
    private void relay(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException ended) {
            // One side closed or failed: the exchange is over.
        } finally {
            close(from);
            close(to);
        }
    }

    /** The request line, once the whole head has been read; empty when the head is too long or ends early. */
    private static String requestLine(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0 || head.size() >= MAX_HEAD) {
                return "";
            }
            head.write(b);
            boolean next = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1);
            matched = next ? matched + 1 : b == '\r' ? 1 : 0;
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.indexOf("\r\n"));
    }

    /** The host and port of a CONNECT request's target ({@code host:port}, {@code [v6]:port}); null if none. */
    static InetSocketAddress target(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || authority.endsWith("]")) {
            return null;
        }
        String host = authority.substring(0, colon);
        if (host.startsWith("[") != host.endsWith("]")) {
            return null;
        }
        try {
            int port = Integer.parseInt(authority.substring(colon + 1));
            return port < 1 || port > 65_535 ? null : InetSocketAddress.createUnresolved(host, port);
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    private static void answer(OutputStream out, String status) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private void close(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ex) {
            // closed already
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ex) {
            // closed already
        }
        open.forEach(this::close);
        threads.shutdownNow();
    }
}
