package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerApplication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A first start in the order Compose and the local stack use: the worker is up (and has created its
 * own schema) before the api-gateway has created the jobs schema, which the invitation e-mail sender
 * reads. The worker says so once, not at every poll, and says when the schema is there.
 */
@ExtendWith(OutputCaptureExtension.class)
class JobsSchemaNotYetCreatedSystemTests {

    private static final String WAITING = "Invitation e-mails wait for the jobs schema";

    @Test
    void theWorkerSaysOnceThatItWaitsForTheJobsSchemaAndWhenItIsThere(CapturedOutput output) throws SQLException {
        String name = "schema_wait_" + UUID.randomUUID().toString().replace("-", "");
        DatabaseEndpoint server = SharedInfrastructure.database();
        execute(server, "CREATE DATABASE " + name);
        DatabaseEndpoint database = new DatabaseEndpoint(
                server.jdbcUrl().replaceFirst("/bulk(\\?|$)", "/" + name + "$1"), server.username(), server.password());
        String suffix = UUID.randomUUID().toString();
        try (ConfigurableApplicationContext worker = WorkerApplication.application()
                .run(
                        "--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + database.password(),
                        "--spring.kafka.bootstrap-servers=" + SharedInfrastructure.kafkaBootstrapServers(),
                        "--spring.kafka.consumer.group-id=bulk-worker-schema-wait-" + suffix,
                        "--bulk.worker.topics.tasks=schema-wait.tasks-" + suffix,
                        "--bulk.worker.topics.dead-letter=schema-wait.tasks-dlt-" + suffix,
                        "--bulk.worker.topics.activity=schema-wait.activity-" + suffix,
                        "--bulk.internal-auth.token-secret=" + TestTokens.INTERNAL_SECRET,
                        "--bulk.worker.mail.poll-interval=100ms",
                        "--server.port=0",
                        "--spring.main.banner-mode=off")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> output.getAll().contains(WAITING));
            // Ten polls later: still the one line, and no warning at each poll.
            await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
            assertThat(Pattern.compile(Pattern.quote(WAITING))
                            .matcher(output.getAll())
                            .results())
                    .hasSize(1);
            assertThat(output.getAll()).doesNotContain("Sending invitation e-mails paused");

            SharedInfrastructure.migrate(database);

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> output.getAll().contains("The jobs schema is there: invitation e-mails are sent"));
            assertThat(output.getAll()).doesNotContain("Sending invitation e-mails paused");
        } finally {
            execute(server, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static void execute(DatabaseEndpoint server, String sql) throws SQLException {
        try (Connection connection =
                        DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
