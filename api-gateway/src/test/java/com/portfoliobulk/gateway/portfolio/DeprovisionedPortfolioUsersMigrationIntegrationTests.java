package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.EmptyDatabase;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.sql.SQLException;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The upgrade that removes the portfolio roles the identity provider's deprovisioning left (V182), on a
 * database of its own at the version before: until then a deactivation or deletion over SCIM left the
 * leaver's portfolio role, and the identity provider sends neither again. Leavers lose their role with
 * the administration log's entries the application writes for the identity provider, and an Owner
 * transfer offered to them is withdrawn; the Owner, a user the identity provider made active again,
 * and one an administrator gave a role after the deprovisioning keep theirs.
 */
class DeprovisionedPortfolioUsersMigrationIntegrationTests {

    private static final String ACCEPTED = "ownership accepted from user %s, who is now Admin";

    @Test
    void portfolioUsersTheIdentityProviderDeprovisionedBeforeTheUpgradeLoseTheirRole() throws SQLException {
        try (EmptyDatabase database = EmptyDatabase.create("deprovisioned_roles")) {
            Flyway.configure()
                    .dataSource(
                            database.endpoint().jdbcUrl(),
                            database.endpoint().username(),
                            database.endpoint().password())
                    .schemas("jobs")
                    .locations("classpath:db/migration/jobs")
                    // The last jobs migration before V182 (numbers are global across the schemas).
                    .target("181")
                    .load()
                    .migrate();
            JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(
                    database.endpoint().jdbcUrl(),
                    database.endpoint().username(),
                    database.endpoint().password()));
            UUID portfolio = UUID.randomUUID();
            UUID oldToken = UUID.randomUUID();
            UUID lastToken = UUID.randomUUID();
            jdbc.sql("""
                            INSERT INTO jobs.scim_tokens
                                (id, portfolio_id, name, token_hash, created_by_user_id, created_by_email,
                                 created_at, last_used_at)
                            VALUES (?, ?, 'Okta', 'hash-1', ?, 'owner@agency.test', now() - interval '90 days',
                                    now() - interval '30 days'),
                                   (?, ?, 'Entra ID', 'hash-2', ?, 'owner@agency.test', now() - interval '60 days',
                                    now() - interval '1 day')
                            """)
                    .params(oldToken, portfolio, UUID.randomUUID(), lastToken, portfolio, UUID.randomUUID())
                    .update();
            // Named before names were made one line: the log shows it as the application does.
            jdbc.sql("""
                            INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)
                            VALUES (?, 'CAMPAIGN_LEAD', 'Campaign' || chr(8238) || ' lead', ARRAY['USER_MANAGEMENT_VIEW'])
                            """).params(portfolio).update();

            // Deactivated 10 days ago (its job by the older token), Admin for longer, offered ownership.
            UUID deactivatedAdmin = portfolioUser(jdbc, portfolio, "deactivated-admin", "ADMIN", "20 days");
            UUID job = UUID.randomUUID();
            jdbc.sql("""
                            INSERT INTO jobs.bulk_jobs
                                (id, portfolio_id, type, status, requested_by_user_id, requested_by_email, total,
                                 pending, succeeded, created_at, origin)
                            VALUES (?, ?, 'OFFBOARD_USERS', 'COMPLETED', ?, 'identity provider', 1, 0, 1,
                                    now() - interval '10 days', 'SCIM')
                            """).params(job, portfolio, oldToken).update();
            scimUser(jdbc, portfolio, deactivatedAdmin, false, "10 days", null, job, "2 days");
            UUID owner = portfolioUser(jdbc, portfolio, "owner", "OWNER", "100 days");
            jdbc.sql("INSERT INTO jobs.owner_transfers (portfolio_id, from_user_id, to_user_id) VALUES (?, ?, ?)")
                    .params(portfolio, owner, deactivatedAdmin)
                    .update();
            // Deleted 5 days ago, after a deactivation that needed no job.
            UUID deletedEditor = portfolioUser(jdbc, portfolio, "deleted-editor", "USER_MANAGEMENT_EDIT", "8 days");
            scimUser(jdbc, portfolio, deletedEditor, false, "9 days", "5 days", null, "5 days");
            // Deactivated before deactivated_at was recorded, its job deleted by retention.
            UUID formerLead = portfolioUser(jdbc, portfolio, "former-lead", "CAMPAIGN_LEAD", "200 days");
            scimUser(jdbc, portfolio, formerLead, false, null, null, UUID.randomUUID(), "150 days");
            // Deprovisioned while the Owner, then made Admin by the successor's acceptance.
            UUID formerOwner = portfolioUser(jdbc, portfolio, "former-owner", "ADMIN", "3 days");
            scimUser(jdbc, portfolio, formerOwner, false, "6 days", "6 days", null, "6 days");
            jdbc.sql("""
                            INSERT INTO jobs.portfolio_admin_log
                                (id, portfolio_id, occurred_at, action, actor_user_id, actor_email, subject, detail)
                            VALUES (?, ?, now() - interval '3 days', 'OWNER_TRANSFER_ACCEPTED', ?, 'owner@agency.test',
                                    'owner@agency.test', ?)
                            """)
                    .params(UUID.randomUUID(), portfolio, owner, ACCEPTED.formatted(formerOwner))
                    .update();

            // Kept: the Owner, a role an administrator gave after the deactivation, a user the identity
            // provider made active again, and one it deprovisioned in another portfolio only.
            scimUser(jdbc, portfolio, owner, false, "4 days", "4 days", null, "4 days");
            UUID regranted = portfolioUser(jdbc, portfolio, "regranted", "USER_MANAGEMENT_VIEW", "1 day");
            scimUser(jdbc, portfolio, regranted, false, "10 days", null, null, "10 days");
            UUID reactivated = portfolioUser(jdbc, portfolio, "reactivated", "ADMIN", "30 days");
            scimUser(jdbc, portfolio, reactivated, true, "10 days", null, null, "7 days");
            UUID elsewhere = portfolioUser(jdbc, portfolio, "elsewhere", "ADMIN", "30 days");
            scimUser(jdbc, UUID.randomUUID(), elsewhere, false, "10 days", null, null, "10 days");

            SharedInfrastructure.migrate(database.endpoint());

            assertThat(jdbc.sql("SELECT user_id FROM jobs.portfolio_users WHERE portfolio_id = ?")
                            .params(portfolio)
                            .query(UUID.class)
                            .list())
                    .containsExactlyInAnyOrder(owner, regranted, reactivated, elsewhere);
            assertThat(jdbc.sql("SELECT count(*) FROM jobs.owner_transfers WHERE portfolio_id = ?")
                            .params(portfolio)
                            .query(Long.class)
                            .single())
                    .isZero();
            assertThat(jdbc.sql("""
                            SELECT action || ' ' || actor_email || ' ' || actor_user_id || ' ' || subject || ' ' || detail
                              FROM jobs.portfolio_admin_log
                             WHERE portfolio_id = ? AND action <> 'OWNER_TRANSFER_ACCEPTED'
                             ORDER BY occurred_at, id
                            """).params(portfolio).query(String.class).list())
                    .containsExactlyInAnyOrder(
                            removed(oldToken, "deactivated-admin", "Admin"),
                            "OWNER_TRANSFER_WITHDRAWN identity provider " + oldToken
                                    + " deactivated-admin@agency.test withdrawn: the recipient was removed",
                            removed(lastToken, "deleted-editor", "User Management EDIT"),
                            removed(lastToken, "former-lead", "Campaign\uFFFD lead"),
                            removed(lastToken, "former-owner", "Admin"))
                    .containsSubsequence(
                            removed(oldToken, "deactivated-admin", "Admin"),
                            "OWNER_TRANSFER_WITHDRAWN identity provider " + oldToken
                                    + " deactivated-admin@agency.test withdrawn: the recipient was removed");
        }
    }

    private static String removed(UUID token, String name, String role) {
        return "PORTFOLIO_USER_REMOVED identity provider " + token + " " + name + "@agency.test"
                + " removed by the identity provider's deprovisioning before the upgrade (was " + role + ")";
    }

    /** A portfolio user whose role was last given or changed {@code changedAgo}. */
    private static UUID portfolioUser(JdbcClient jdbc, UUID portfolio, String name, String role, String changedAgo) {
        UUID userId = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role, created_at, updated_at)
                        VALUES (?, ?, ?, ?, now() - CAST(? AS interval), now() - CAST(? AS interval))
                        """)
                .params(portfolio, userId, name + "@agency.test", role, changedAgo, changedAgo)
                .update();
        return userId;
    }

    /** The identity provider's user, as the versions before this migration left it. */
    private static void scimUser(
            JdbcClient jdbc,
            UUID portfolio,
            UUID userId,
            boolean active,
            String deactivatedAgo,
            String deletedAgo,
            UUID lastJob,
            String updatedAgo) {
        jdbc.sql("""
                        INSERT INTO jobs.scim_users
                            (portfolio_id, user_id, active, deactivations, last_job_id, deactivated_at, deleted_at,
                             created_at, updated_at)
                        VALUES (?, ?, ?, 1, ?, now() - CAST(? AS interval), now() - CAST(? AS interval),
                                now() - interval '365 days', now() - CAST(? AS interval))
                        """)
                .params(portfolio, userId, active, lastJob, deactivatedAgo, deletedAgo, updatedAgo)
                .update();
    }
}
