package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a free local port in front of a server, that can go silent as a lost network does.
 * {@link #silence()} stops every open connection for good without closing anything: what either side
 * sends is dropped, and nothing (no answer, no FIN, no RST) reaches the other, also when the server
 * ends its side meanwhile. A connection made during the silence is accepted and never answered.
 * {@link #restore()} forwards the connections made after it; those open during the silence stay
 * silent, as connections whose server ended its side while the network was down.
 */
final class SilentProxy implements AutoCloseable {

    private final ServerSocket listener;

    private final int serverPort;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    private volatile boolean silent;

    private SilentProxy(ServerSocket listener, int serverPort) {
        this.listener = listener;
        this.serverPort = serverPort;
    }

    /** A proxy to the server on {@code serverPort} of this host, accepting connections at once. */
    static SilentProxy to(int serverPort) throws IOException {
        SilentProxy proxy = new SilentProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), serverPort);
        Thread.ofPlatform().daemon().name("silent-proxy-" + serverPort).start(proxy::accept);
        return proxy;
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Every open connection goes silent for good, and new ones are not answered until {@link #restore()}. */
    void silence() {
        silent = true;
        links.forEach(Link::silence);
    }

    /** Connections made from now on are forwarded again. */
    void restore() {
        silent = false;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                sockets.add(client);
                if (silent) {
                    continue;
                }
                Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                sockets.add(server);
                Link link = new Link();
                links.add(link);
                link.pump(client.getInputStream(), server.getOutputStream());
                link.pump(server.getInputStream(), client.getOutputStream());
            } catch (IOException ex) {
                // The listener was closed, or the server refused a connection: the client's is left unanswered.
            }
        }
    }

    /** Both directions of one proxied connection. */
    private static final class Link {

        private volatile boolean silent;

        void silence() {
            silent = true;
        }

        void pump(InputStream from, OutputStream to) {
            Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                    int read;
                    while ((read = from.read(buffer)) >= 0) {
                        if (!silent) {
                            to.write(buffer, 0, read);
                            to.flush();
                        }
                    }
                    if (!silent) {
                        to.close();
                    }
                } catch (IOException ex) {
                    // Closed by the proxy or reset by a peer: nothing more to forward.
                }
            });
        }
    }
}
