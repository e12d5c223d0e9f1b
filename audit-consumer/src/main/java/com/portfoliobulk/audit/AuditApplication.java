package com.portfoliobulk.audit;

import com.portfoliobulk.servicesupport.jdbc.MigrateOnly;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The audit-consumer: writes each account's activity log from activity events and serves it. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AuditApplication {

    /** The configuration file name ({@code audit-consumer.yml}), distinct so the services can share a classpath. */
    public static final String CONFIG_NAME = "audit-consumer";

    /**
     * Starts the service; with {@code BULK_MIGRATE_ONLY=true} only migrates the {@code audit} schema and
     * exits (README, "Upgrading").
     */
    public static void main(String[] args) {
        if (MigrateOnly.requested()) {
            System.exit(MigrateOnly.run(CONFIG_NAME, args));
        }
        application().run(args);
    }

    /** The application, configured from {@code audit-consumer.yml}; the local stack starts it this way too. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(AuditApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
