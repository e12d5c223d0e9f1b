package com.portfoliobulk.audit;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The audit-consumer: writes each account's activity log from activity events and serves it. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AuditApplication {

    /** The configuration file name ({@code audit-consumer.yml}), distinct so the services can share a classpath. */
    public static final String CONFIG_NAME = "audit-consumer";

    public static void main(String[] args) {
        application().run(args);
    }

    /** The application, configured from {@code audit-consumer.yml}; the local stack starts it this way too. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(AuditApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
