package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.SharedInfrastructure;

/**
 * Runs the whole product on this machine with no Docker: embedded PostgreSQL and Kafka, then the
 * three services on ports 8080 (gateway), 8081 (worker) and 8082 (audit-consumer).
 */
public final class LocalStack {

    private LocalStack() {}

    public static void main(String[] args) {
        System.setProperty("bulk.tests.embedded", "true");
        ServiceStack stack = ServiceStack.start(new ServiceStack.Settings(
                SharedInfrastructure.database(),
                SharedInfrastructure.kafkaBootstrapServers(),
                8080,
                8081,
                8082,
                java.util.Map.of(),
                java.util.Map.of(),
                java.util.Map.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-stop"));
        System.out.println("Portfolio Bulk Access is running: " + stack.gatewayUrl() + " (Ctrl-C stops it)");
    }
}
