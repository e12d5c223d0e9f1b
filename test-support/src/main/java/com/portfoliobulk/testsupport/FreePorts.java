package com.portfoliobulk.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the servers tests start (service processes, brokers, proxies, mail servers), free when
 * handed out and meant to be the server's from its first start to its last, across restarts.
 */
public final class FreePorts {

    /** The ports {@link #take()} has handed out. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    /**
     * A port free now. Chosen below the ephemeral range (32768 and up on Linux), from which every
     * outgoing connection and every server on port 0 takes its port: a port from there may be taken
     * by someone else in the minutes a process takes to start on a busy machine, or while a stopped
     * server is down, and then the server cannot bind it again or another test's server answers on it.
     * Never the same port twice in this JVM: one handed out earlier may still be free only because its
     * server has not bound it yet.
     */
    public static int take() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // Try another.
            }
        }
        throw new UncheckedIOException(new IOException("No free port between 20000 and 32000"));
    }
}
