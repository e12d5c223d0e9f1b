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
            // The end-to-end tests mint their callers' permissions in the token's portfolios claim (the
            // identity provider as the source of permissions); database-held permissions are tested at the
            // gateway and by the local stack's own seed.
            stack = ServiceStack.start(ServiceStack.Settings.onFreePorts(
                            SharedInfrastructure.database(), SharedInfrastructure.kafkaBootstrapServers())
                    .withPropertiesForAll(java.util.Map.of("bulk.gateway.permissions.source", "identity-provider")));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "test-stack-stop"));
        }
        return stack;
    }
}
