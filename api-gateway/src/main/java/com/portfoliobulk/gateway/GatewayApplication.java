package com.portfoliobulk.gateway;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The api-gateway: the public HTTP API of Portfolio Bulk Access. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

    /** The configuration file name ({@code api-gateway.yml}), distinct so the services can share a classpath. */
    public static final String CONFIG_NAME = "api-gateway";

    public static void main(String[] args) {
        application().run(args);
    }

    /** The application, configured from {@code api-gateway.yml}; the local stack starts it this way too. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(GatewayApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
