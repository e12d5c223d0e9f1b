package com.portfoliobulk.worker.invitations;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerApplication;
import com.portfoliobulk.worker.fixtures.InvitationAccepts;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.web.client.RestClient;

/**
 * The upgrade to stored token digests (V174) on a directory of its own that holds invitation tokens in
 * clear, as every version before did: the migration leaves the token of a message still to be sent,
 * and a digest of every other, and the links of e-mails already sent, and the tokens of memberships,
 * still accept through the worker.
 */
class InvitationTokenDigestsMigrationIntegrationTests {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void tokensStoredInClearBecomeDigestsAndStillAccept() throws SQLException {
        String name = "token_digests_" + UUID.randomUUID().toString().replace("-", "");
        DatabaseEndpoint server = SharedInfrastructure.database();
        execute(server, "CREATE DATABASE " + name);
        DatabaseEndpoint database = new DatabaseEndpoint(
                server.jdbcUrl().replaceFirst("/bulk(\\?|$)", "/" + name + "$1"), server.username(), server.password());
        try {
            Flyway.configure()
                    .dataSource(database.jdbcUrl(), database.username(), database.password())
                    .schemas("directory")
                    .locations("classpath:db/migration/directory")
                    // The last directory migration before V174 (numbers are global across the schemas).
                    .target("40")
                    .load()
                    .migrate();
            JdbcClient jdbc = JdbcClient.create(
                    new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
            UUID portfolio = UUID.randomUUID();
            UUID byMessage = UUID.randomUUID();
            UUID byMembership = UUID.randomUUID();
            UUID invitee = UUID.randomUUID();
            String email = "invitee@example.test";
            UUID sentJob = UUID.randomUUID();
            jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, 'Before digests')")
                    .params(portfolio)
                    .update();
            jdbc.sql(
                            "INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, ?, 'Brand 1'), (?, ?, 'Brand 2')")
                    .params(byMessage, portfolio, byMembership, portfolio)
                    .update();
            jdbc.sql("INSERT INTO directory.users (id, email) VALUES (?, ?)")
                    .params(invitee, email)
                    .update();
            String messageMembershipToken = token();
            String membershipToken = token();
            jdbc.sql("""
                            INSERT INTO directory.memberships
                                (account_id, user_id, role, state, invited_at, expires_at, invitation_token,
                                 invitation_job_id)
                            VALUES (?, ?, 'ANALYST', 'INVITED', now(), now() + interval '7 days', ?, ?),
                                   (?, ?, 'SUPPORT', 'INVITED', now(), now() + interval '7 days', ?, NULL)
                            """)
                    .params(byMessage, invitee, messageMembershipToken, sentJob, byMembership, invitee, membershipToken)
                    .update();
            Map<String, String> mails = Map.of(
                    "SENT", token(),
                    "FAILED", token(),
                    "CANCELLED", token(),
                    "PENDING", token());
            mails.forEach((status, token) -> jdbc.sql("""
                            INSERT INTO directory.invitation_mails
                                (id, job_id, user_id, email, language, portfolio_id, inviter_email, token, status)
                            VALUES (?, ?, ?, ?, 'en', ?, 'admin@example.test', ?, ?)
                            """)
                    .params(
                            UUID.randomUUID(),
                            "SENT".equals(status) ? sentJob : UUID.randomUUID(),
                            invitee,
                            email,
                            portfolio,
                            token,
                            status)
                    .update());

            SharedInfrastructure.migrate(database);

            assertThat(jdbc.sql("SELECT invitation_token FROM directory.memberships WHERE account_id = ?")
                            .params(byMessage)
                            .query(String.class)
                            .single())
                    .isEqualTo(InvitationTokens.digest(messageMembershipToken));
            assertThat(jdbc.sql("SELECT invitation_token FROM directory.memberships WHERE account_id = ?")
                            .params(byMembership)
                            .query(String.class)
                            .single())
                    .isEqualTo(InvitationTokens.digest(membershipToken));
            mails.forEach((status, token) -> {
                Map<String, Object> row = jdbc.sql(
                                "SELECT token, token_digest FROM directory.invitation_mails WHERE status = ?")
                        .params(status)
                        .query()
                        .singleRow();
                assertThat(row.get("token_digest")).as(status).isEqualTo(InvitationTokens.digest(token));
                assertThat(row.get("token")).as(status).isEqualTo("PENDING".equals(status) ? token : null);
            });
            for (String token : List.of(
                    messageMembershipToken,
                    membershipToken,
                    mails.get("SENT"),
                    mails.get("FAILED"),
                    mails.get("CANCELLED"))) {
                assertThat(jdbc.sql("""
                                SELECT (SELECT count(*) FROM directory.memberships m WHERE strpos(CAST(m AS text), :t) > 0)
                                     + (SELECT count(*) FROM directory.invitation_mails m WHERE strpos(CAST(m AS text), :t) > 0)
                                """).param("t", token).query(Long.class).single())
                        .isZero();
            }

            try (ConfigurableApplicationContext worker = worker(database)) {
                RestClient http = RestClient.create(
                        "http://localhost:" + worker.getEnvironment().getProperty("local.server.port"));
                ResponseEntity<String> byLink = InvitationAccepts.accept(http, mails.get("SENT"), email);
                assertThat(byLink.getStatusCode().value()).isEqualTo(200);
                assertThat(byLink.getBody()).contains(byMessage.toString()).doesNotContain(byMembership.toString());
                assertThat(InvitationAccepts.accept(http, mails.get("SENT"), email)
                                .getStatusCode()
                                .value())
                        .as("answers the access it gave")
                        .isEqualTo(200);
                ResponseEntity<String> byToken = InvitationAccepts.accept(http, membershipToken, email);
                assertThat(byToken.getStatusCode().value()).isEqualTo(200);
                assertThat(byToken.getBody()).contains(byMembership.toString());
                assertThat(InvitationAccepts.accept(http, "someone-elses-" + token(), email)
                                .getStatusCode()
                                .value())
                        .isEqualTo(404);
            }
        } finally {
            execute(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** A token as the worker made them: 256 random bits, URL-safe Base64. */
    private static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static ConfigurableApplicationContext worker(DatabaseEndpoint database) {
        String suffix = UUID.randomUUID().toString();
        return WorkerApplication.application()
                .run(
                        "--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + database.password(),
                        "--spring.kafka.bootstrap-servers=" + SharedInfrastructure.kafkaBootstrapServers(),
                        "--spring.kafka.consumer.group-id=bulk-worker-token-digests-" + suffix,
                        "--bulk.worker.topics.tasks=token-digests.tasks-" + suffix,
                        "--bulk.worker.topics.dead-letter=token-digests.tasks-dlt-" + suffix,
                        "--bulk.worker.topics.activity=token-digests.activity-" + suffix,
                        "--bulk.internal-auth.token-secret=" + TestTokens.INTERNAL_SECRET,
                        "--bulk.worker.invitation-expiry-sweep=1d",
                        "--server.port=0",
                        "--spring.main.banner-mode=off");
    }

    private static void execute(DatabaseEndpoint server, String sql) throws SQLException {
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
