package com.portfoliobulk.gateway.support;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An api-gateway started in the test JVM on a database of its own ({@link OwnDatabase}), for the
 * system tests that run two side by side or stop and start one: on free ports, with the development
 * secrets of {@link TestTokens}.
 */
public final class StandaloneGateway {

    private StandaloneGateway() {}

    /**
     * Starts one.
     *
     * @param database its database
     * @param bootstrapServers its Kafka broker
     * @param settings more command-line properties ({@code --name=value}), none of those set here
     */
    public static ConfigurableApplicationContext start(
            DatabaseEndpoint database, String bootstrapServers, String... settings) {
        List<String> arguments = new ArrayList<>(List.of(
                "--spring.main.banner-mode=off",
                "--server.port=0",
                "--management.server.port=0",
                "--bulk.gateway.security.hs256-secret=" + TestTokens.DEVELOPMENT_SECRET,
                "--bulk.internal-auth.token-secret=" + TestTokens.INTERNAL_SECRET,
                "--spring.datasource.url=" + database.jdbcUrl(),
                "--spring.datasource.username=" + database.username(),
                "--spring.datasource.password=" + database.password(),
                "--spring.kafka.bootstrap-servers=" + bootstrapServers));
        arguments.addAll(List.of(settings));
        return GatewayApplication.application().run(arguments.toArray(String[]::new));
    }

    /** Calls to its API's port. */
    public static GatewayCalls api(ConfigurableApplicationContext gateway) {
        return new GatewayCalls(
                ((WebServerApplicationContext) gateway).getWebServer().getPort());
    }

    /** Calls to its management port (health, metrics). */
    public static GatewayCalls management(ConfigurableApplicationContext gateway) {
        return new GatewayCalls(gateway.getEnvironment().getRequiredProperty("local.management.port", Integer.class));
    }
}
