package com.portfoliobulk.testsupport;

import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * Points every Spring test context at the {@link SharedInfrastructure}: the datasource and the Kafka
 * bootstrap servers; and sets the test setup's HS256 token secret ({@link TestTokens#DEVELOPMENT_SECRET}),
 * so that tokens minted by {@link TestTokens} are valid. The properties rank just below a test's own inlined properties, so a test can
 * still override them (for example to aim at an unreachable broker), and above the services'
 * application configuration.
 *
 * <p>Registered in {@code META-INF/spring.factories}.
 */
public class SharedInfrastructureContextCustomizerFactory implements ContextCustomizerFactory {

    static final String PROPERTY_SOURCE_NAME = "sharedTestInfrastructure";

    private static final String INLINED_TEST_PROPERTIES = "Inlined Test Properties";

    @Override
    public ContextCustomizer createContextCustomizer(
            Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
        return new SharedInfrastructureCustomizer();
    }

    private static final class SharedInfrastructureCustomizer implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            DatabaseEndpoint database = SharedInfrastructure.database();
            MapPropertySource source = new MapPropertySource(
                    PROPERTY_SOURCE_NAME,
                    Map.of(
                            "spring.datasource.url", database.jdbcUrl(),
                            "spring.datasource.username", database.username(),
                            "spring.datasource.password", database.password(),
                            "spring.kafka.bootstrap-servers", SharedInfrastructure.kafkaBootstrapServers(),
                            "bulk.gateway.security.hs256-secret", TestTokens.DEVELOPMENT_SECRET,
                            "bulk.internal-auth.token-secret", TestTokens.INTERNAL_SECRET));
            ConfigurableEnvironment environment = context.getEnvironment();
            MutablePropertySources sources = environment.getPropertySources();
            if (sources.contains(INLINED_TEST_PROPERTIES)) {
                sources.addAfter(INLINED_TEST_PROPERTIES, source);
            } else {
                sources.addFirst(source);
            }
        }

        // One customizer fits every test, so every context that is otherwise equal can be cached.
        @Override
        public boolean equals(Object other) {
            return other instanceof SharedInfrastructureCustomizer;
        }

        @Override
        public int hashCode() {
            return SharedInfrastructureCustomizer.class.hashCode();
        }
    }
}
