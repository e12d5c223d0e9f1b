package com.portfoliobulk.servicesupport.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SessionSettings;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The context of a start with {@code BULK_MIGRATE_ONLY=true} migrates as the service's own start does:
 * its pool bounds the wait for the database's answers as the service's configuration sets it, and its
 * migrations wait as long as they take. (Each service's MigrateOnlyContract runs the real start.)
 */
class MigrateOnlyIntegrationTests {

    @Test
    void migrationsWaitAsLongAsTheyTakeAsInTheServicesStart() {
        DatabaseEndpoint database = SharedInfrastructure.database();
        new ApplicationContextRunner()
                .withUserConfiguration(MigrateOnly.Migrations.class)
                .withPropertyValues(
                        "spring.datasource.url=" + database.jdbcUrl(),
                        "spring.datasource.username=" + database.username(),
                        "spring.datasource.password=" + database.password(),
                        "spring.datasource.hikari.data-source-properties.socketTimeout=60",
                        "spring.flyway.schemas=audit",
                        "spring.flyway.locations=classpath:db/migration/audit")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(SessionSettings.socketTimeouts(
                                    context.getBean(DataSource.class), context.getBean(Flyway.class)))
                            .as("milliseconds of the pool's statements, of the migrations'")
                            .containsExactly(60_000, 0);
                });
    }
}
