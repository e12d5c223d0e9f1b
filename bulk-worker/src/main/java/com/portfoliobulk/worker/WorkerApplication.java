package com.portfoliobulk.worker;

import com.portfoliobulk.servicesupport.jdbc.MigrateOnly;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The bulk-worker: applies bulk tasks to the account directory. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WorkerApplication {

    /** The configuration file name ({@code bulk-worker.yml}), distinct so the services can share a classpath. */
    public static final String CONFIG_NAME = "bulk-worker";

    /**
     * Starts the service; with {@code BULK_MIGRATE_ONLY=true} only migrates the {@code directory} schema and
     * exits (README, "Upgrading").
     */
    public static void main(String[] args) {
        if (MigrateOnly.requested()) {
            System.exit(MigrateOnly.run(CONFIG_NAME, args));
        }
        application().run(args);
    }

    /** The application, configured from {@code bulk-worker.yml}; the local stack starts it this way too. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(WorkerApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
