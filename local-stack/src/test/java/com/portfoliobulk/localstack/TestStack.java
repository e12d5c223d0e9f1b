package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.SharedInfrastructure;

/**
 * One {@link ServiceStack} per test JVM on the shared infrastructure, for end-to-end tests. Tests
 * that need a differently configured stack (fault injection) start their own.
 */
final class TestStack {

    private static ServiceStack stack;

    private TestStack() {}

    static synchronized ServiceStack get() {
        if (stack == null) {
            stack = ServiceStack.start(
                    ServiceStack.Settings.onFreePorts(sharedDatabase(), SharedInfrastructure.kafkaBootstrapServers()));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "test-stack-stop"));
        }
        return stack;
    }

    /** The tests' shared database, as the local stack names a database. */
    static DatabaseEndpoint sharedDatabase() {
        com.portfoliobulk.testsupport.DatabaseEndpoint shared = SharedInfrastructure.database();
        return new DatabaseEndpoint(shared.jdbcUrl(), shared.username(), shared.password());
    }
}
