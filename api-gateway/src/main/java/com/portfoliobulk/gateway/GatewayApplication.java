package com.portfoliobulk.gateway;

import com.portfoliobulk.servicesupport.jdbc.MigrateOnly;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The api-gateway: the public HTTP API of Portfolio Bulk Access. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

    /** The configuration file name ({@code api-gateway.yml}), distinct so the services can share a classpath. */
    public static final String CONFIG_NAME = "api-gateway";

    /**
     * Starts the service; with {@code BULK_MIGRATE_ONLY=true} only migrates the {@code jobs} schema and
     * exits (README, "Upgrading").
     */
    public static void main(String[] args) {
        if (MigrateOnly.requested()) {
            System.exit(MigrateOnly.run(CONFIG_NAME, args));
        }
        application().run(args);
    }

    /** The application, configured from {@code api-gateway.yml}; the local stack starts it this way too. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(GatewayApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
