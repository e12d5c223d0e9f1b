package com.portfoliobulk.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Forwards a loopback port to another loopback port, and can be cut: stopping it closes the port
 * and every connection through it, as a network outage would; starting it again restores the path.
 */
public final class TcpProxy implements AutoCloseable {

    private final int port;

    private final IntSupplier targetPort;

    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

    private ServerSocket server;

    /**
     * @param port the port to listen on
     * @param targetPort the port to forward to, asked for each new connection
     */
    public TcpProxy(int port, IntSupplier targetPort) {
        this.port = port;
        this.targetPort = targetPort;
    }

    public int port() {
        return port;
    }

    /** Starts listening and forwarding. */
    public synchronized TcpProxy start() {
        try {
            ServerSocket listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = listening;
            Thread.ofVirtual().name("tcp-proxy-" + port).start(() -> accept(listening));
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Closes the port and every connection through it. */
    public synchronized void stop() {
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
        connections.forEach(TcpProxy::closeQuietly);
        connections.clear();
    }

    @Override
    public void close() {
        stop();
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort.getAsInt());
                connections.add(client);
                connections.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException ex) {
                // Closed by stop(), or the target refused: the client sees a dropped connection.
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException ex) {
            // The connection was cut.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            connections.remove(from);
            connections.remove(to);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ex) {
            // Already closed.
        }
    }
}
