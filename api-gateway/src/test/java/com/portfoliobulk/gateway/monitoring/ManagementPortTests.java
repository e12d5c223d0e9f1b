package com.portfoliobulk.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Where the gateway's configuration file puts the actuator, decided as Spring Boot decides it: on a
 * port of its own (8090) unless the operator says otherwise.
 */
class ManagementPortTests {

    @Test
    void theActuatorHasAPortOfItsOwnByDefault() {
        StandardEnvironment environment = environment(Map.of());

        assertThat(ManagementPortType.get(environment)).isEqualTo(ManagementPortType.DIFFERENT);
        assertThat(environment.getProperty("management.server.port", Integer.class))
                .isEqualTo(8090);
    }

    @Test
    void anotherPortCanBeChosen() {
        StandardEnvironment environment = environment(Map.of("MANAGEMENT_SERVER_PORT", "9190"));

        assertThat(ManagementPortType.get(environment)).isEqualTo(ManagementPortType.DIFFERENT);
        assertThat(environment.getProperty("management.server.port", Integer.class))
                .isEqualTo(9190);
    }

    @Test
    void anEmptyManagementServerPortServesTheActuatorOnTheHttpPort() {
        assertThat(ManagementPortType.get(environment(Map.of("MANAGEMENT_SERVER_PORT", ""))))
                .isEqualTo(ManagementPortType.SAME);
        assertThat(ManagementPortType.get(environment(Map.of(), "--management.server.port=")))
                .isEqualTo(ManagementPortType.SAME);
    }

    @Test
    void theHttpPortItselfAlsoServesTheActuatorThere() {
        assertThat(ManagementPortType.get(environment(Map.of("PORT", "8443", "MANAGEMENT_SERVER_PORT", "8443"))))
                .isEqualTo(ManagementPortType.SAME);
    }

    /**
     * The gateway's environment from these environment variables and command-line arguments (ranked
     * above them, as in Spring Boot) over the gateway's configuration file.
     */
    private static StandardEnvironment environment(Map<String, Object> variables, String... arguments) {
        StandardEnvironment environment = new StandardEnvironment();
        MutablePropertySources sources = environment.getPropertySources();
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        sources.replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        if (arguments.length > 0) {
            sources.addFirst(new SimpleCommandLinePropertySource(arguments));
        }
        try {
            sources.addLast(new YamlPropertySourceLoader()
                    .load("gateway", new ClassPathResource(GatewayApplication.CONFIG_NAME + ".yml"))
                    .getFirst());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        ConfigurationPropertySources.attach(environment);
        return environment;
    }
}
