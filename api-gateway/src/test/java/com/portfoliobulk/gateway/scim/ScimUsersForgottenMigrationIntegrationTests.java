package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.EmptyDatabase;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The upgrade that removes what a SCIM deletion and a close left before this version (V193), on a
 * database of its own at the version before: the attributes of the users an identity provider deleted,
 * and every SCIM user of a closed portfolio. Users not deleted keep theirs, and a deleted one its count
 * of deactivations.
 */
class ScimUsersForgottenMigrationIntegrationTests {

    @Test
    void theAttributesOfDeletedScimUsersAndTheScimUsersOfClosedPortfoliosAreRemoved() throws SQLException {
        try (EmptyDatabase database = EmptyDatabase.create("scim_users_forgotten")) {
            migrate(database, "192");
            JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(
                    database.endpoint().jdbcUrl(),
                    database.endpoint().username(),
                    database.endpoint().password()));
            UUID open = UUID.randomUUID();
            UUID closed = UUID.randomUUID();
            UUID active = scimUser(jdbc, open, "entra-ann", "Ann Smith", false);
            UUID deleted = scimUser(jdbc, open, "entra-bob", "Bob Jones", true);
            scimUser(jdbc, closed, "entra-cat", "Cat Lee", false);
            scimUser(jdbc, closed, "entra-dan", "Dan Ray", true);
            jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                    .params(closed, UUID.randomUUID())
                    .update();

            migrate(database, "193");

            assertThat(rows(jdbc))
                    .containsExactlyInAnyOrder(
                            List.of(open, active, "entra-ann", "Ann Smith", 0),
                            Arrays.asList(open, deleted, null, null, 2));
        }
    }

    private static void migrate(EmptyDatabase database, String target) {
        Flyway.configure()
                .dataSource(
                        database.endpoint().jdbcUrl(),
                        database.endpoint().username(),
                        database.endpoint().password())
                .schemas("jobs")
                .locations("classpath:db/migration/jobs")
                // Numbers are global across the schemas: the jobs schema's last before V193 is V192.
                .target(target)
                .load()
                .migrate();
    }

    private static UUID scimUser(JdbcClient jdbc, UUID portfolio, String externalId, String name, boolean deleted) {
        UUID user = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.scim_users
                            (portfolio_id, user_id, external_id, display_name, active, deactivations, deleted_at)
                        VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? THEN now() - interval '3 days' END)
                        """)
                .params(portfolio, user, externalId, name, !deleted, deleted ? 2 : 0, deleted)
                .update();
        return user;
    }

    private static List<List<Object>> rows(JdbcClient jdbc) {
        return jdbc.sql("SELECT portfolio_id, user_id, external_id, display_name, deactivations FROM jobs.scim_users")
                .query((row, n) -> Arrays.<Object>asList(
                        row.getObject(1, UUID.class),
                        row.getObject(2, UUID.class),
                        row.getString(3),
                        row.getString(4),
                        row.getInt(5)))
                .list();
    }
}
