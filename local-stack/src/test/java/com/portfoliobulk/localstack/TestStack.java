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
            stack = ServiceStack.start(ServiceStack.Settings.onFreePorts(
                    SharedInfrastructure.database(), SharedInfrastructure.kafkaBootstrapServers()));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "test-stack-stop"));
        }
        return stack;
    }
}
