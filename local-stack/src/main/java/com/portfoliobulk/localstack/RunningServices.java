package com.portfoliobulk.localstack;

import java.util.Optional;

/**
 * The three services of a local run, wherever they run: all in the local stack's JVM ({@link
 * ServiceStack}) or each in a JVM of its own ({@link ServiceJvms}).
 */
interface RunningServices extends AutoCloseable {

    /** The gateway's property holding the HS256 secret of the bearer tokens it accepts, if any. */
    String TOKEN_SECRET_PROPERTY = "bulk.gateway.security.hs256-secret";

    /** The gateway's base URL, e.g. {@code http://localhost:8080}. */
    String gatewayUrl();

    /** The worker's base URL, on the loopback interface it listens on. */
    String workerUrl();

    /** The audit-consumer's base URL, on the loopback interface it listens on. */
    String auditUrl();

    /**
     * The base URL of the gateway that relays the tasks when it runs in a JVM of its own (the
     * api-gateway's relay then off), on the loopback interface it listens on; empty when the
     * api-gateway relays.
     */
    Optional<String> relayUrl();

    /** The HS256 secret the gateway accepts bearer tokens signed with, when it has one. */
    Optional<String> tokenSecret();

    /**
     * Stops the gateway first so no new work arrives, then the one that relays if it runs apart, then
     * the worker, then the audit-consumer.
     */
    @Override
    void close();
}
