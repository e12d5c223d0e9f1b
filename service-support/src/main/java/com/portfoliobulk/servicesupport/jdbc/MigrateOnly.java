package com.portfoliobulk.servicesupport.jdbc;

import java.util.Arrays;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A start of a service that only migrates the schema it owns and ends: with {@code BULK_MIGRATE_ONLY=true}
 * a service's main runs this instead of the service. An upgrade runs the new version's migrations of
 * every schema this way while the previous versions still serve (README, "Upgrading"), so that a new
 * service started afterwards finds every table and column it uses, also those of a schema another
 * service owns (the worker writes the gateway's {@code jobs.task_dead_letters}).
 *
 * <p>The start reads the service's own configuration file, so the database, the role and the Flyway
 * settings are the service's, and its migrations wait for the database as long as they take
 * ({@link MigrationConnectionsAutoConfiguration}), also for another instance's migrations to end. Unlike
 * the service's start, it tries to connect once (unless {@code spring.flyway.connect-retries} says
 * otherwise): a database out of reach ends it with a non-zero status at once, so that the upgrade stops
 * there rather than wait unseen; told to stop (SIGTERM) while it waits for the lock, it ends at once
 * ({@link MigrationsStopOnShutdown}). Nothing else of the service starts: no web server,
 * no Kafka client, no scheduled work, no listener. The environment variable is read by the main method
 * itself, because the Docker image's entry point passes no arguments.
 */
public final class MigrateOnly {

    /** The environment variable that asks for migrations only. */
    public static final String VARIABLE = "BULK_MIGRATE_ONLY";

    private static final Logger log = LoggerFactory.getLogger(MigrateOnly.class);

    private MigrateOnly() {}

    /**
     * Whether {@value #VARIABLE} asks for migrations only. Any value other than {@code true} or
     * {@code false} (in any case) or none is refused: a mistyped one must not start the new version of
     * the service instead, which the previous versions running beside it may not understand.
     *
     * @throws IllegalArgumentException for such a value
     */
    public static boolean requested() {
        return requested(System.getenv(VARIABLE));
    }

    static boolean requested(String value) {
        String setting = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (setting) {
            case "", "false" -> false;
            case "true" -> true;
            default -> throw new IllegalArgumentException(VARIABLE + " must be true or false, not '" + value + "'");
        };
    }

    /**
     * Migrates the schema of the service configured by {@code configName} (its {@code spring.config.name})
     * and answers the status the process exits with: 0 once the schema is up to date, 1 when the
     * migration failed (its error is logged).
     */
    public static int run(String configName, String... args) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Migrations.class)
                .properties(
                        "spring.config.name=" + configName,
                        // The lowest precedence: the service's configuration may still set it.
                        "spring.flyway.connect-retries=0")
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                // Not "Started <the service>": the service does not start.
                .logStartupInfo(false)
                .run(args)) {
            Flyway flyway = context.getBean(Flyway.class);
            MigrationInfo current = flyway.info().current();
            log.info(
                    "Migrations only ({}=true): schema {} is at version {}; exiting",
                    VARIABLE,
                    String.join(", ", Arrays.asList(flyway.getConfiguration().getSchemas())),
                    current == null ? "none" : current.getVersion());
            return 0;
        } catch (RuntimeException ex) {
            // A start that failed has logged its cause in full already.
            log.error("Migrations only ({}=true): the migration failed: {}", VARIABLE, ex.toString());
            return 1;
        }
    }

    /** The database and its migrations, with the services' connections for migrations: nothing else. */
    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        DataSourceAutoConfiguration.class,
        FlywayAutoConfiguration.class,
        MigrationConnectionsAutoConfiguration.class
    })
    static class Migrations {}
}
