package com.portfoliobulk.localstack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;

/**
 * Starts the local stack as {@code ./run-local.sh} does (in this JVM, on free ports and a temporary
 * data directory), uses the token it prints, runs the README's walkthrough against it, restarts it on
 * the same data, restarts it once more with the broker's log deleted (the tasks that were sent and not
 * applied are sent again at start), and resets it.
 */
class LocalStackIntegrationTests {

    private static final String TOPIC = "local-stack-restart-check";

    /** The topic the local stack's gateway relays the tasks to (the default). */
    private static final String RELAYED_TOPIC = "portfolio.bulk-tasks";

    private static final String DEMO = DemoPortfolio.PORTFOLIO_ID.toString();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void startsWithTheDemoKeepsItsDataAcrossRestartsAndWipesItOnReset(
            @TempDir Path dataDirectory, @TempDir Path walkthroughDirectory) throws Exception {
        LocalStackOptions options = LocalStackOptions.onFreePorts(dataDirectory);
        Instant seededAt;
        StrandedJob stranded;

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (LocalStack stack = LocalStack.start(options, new PrintStream(printed, true, UTF_8))) {
            String output = printed.toString(UTF_8);
            String token = printedToken(output);
            assertThat(output)
                    .contains("Gateway          " + stack.gatewayUrl())
                    .contains("Web console      " + stack.gatewayUrl() + "/console")
                    .contains("Swagger UI       " + stack.gatewayUrl() + "/swagger-ui.html")
                    .contains("Seeding the demo portfolio ... done");
            assertThat(stack.demoSeeded()).isTrue();
            assertThat(stack.kafkaFormatted()).isTrue();
            assertThat(Files.readString(dataDirectory.resolve("admin-token")).trim())
                    .isEqualTo(token);

            assertThat(get(stack.gatewayUrl() + "/actuator/health", null).body())
                    .contains("\"status\":\"UP\"");
            assertThat(get(stack.gatewayUrl() + "/swagger-ui/index.html", null).statusCode())
                    .isEqualTo(200);
            String accounts = stack.gatewayUrl() + "/api/v1/portfolios/" + DEMO + "/accounts";
            assertThat(get(accounts, null).statusCode()).as("without a token").isEqualTo(401);
            assertThat(get(accounts, forgedToken()).statusCode())
                    .as("signed with another secret")
                    .isEqualTo(401);
            assertThat(get(accounts, token).statusCode())
                    .as("with the printed token")
                    .isNotIn(401, 403);

            // The admin is the demo's Owner in the database: a token without any portfolios claim will do.
            String claimless = TestTokens.sign(
                    TestTokens.DEVELOPMENT_SECRET,
                    DemoPortfolio.ADMIN_ID,
                    DemoPortfolio.ADMIN_EMAIL,
                    Map.of(),
                    Instant.now().plus(Duration.ofHours(1)));
            HttpResponse<String> portfolioUsers =
                    get(stack.gatewayUrl() + "/api/v1/portfolios/" + DEMO + "/portfolio-users", claimless);
            assertThat(portfolioUsers.statusCode()).as(portfolioUsers.body()).isEqualTo(200);
            assertThat(portfolioUsers.body())
                    .contains("\"email\":\"admin@demo.example\",\"role\":\"OWNER\"")
                    .contains("\"role\":\"ADMIN\"", "\"role\":\"USER_MANAGEMENT_EDIT\"")
                    .contains("\"role\":\"USER_MANAGEMENT_VIEW\"", "\"role\":\"AUDITOR\"");
            assertThat(get(stack.gatewayUrl() + "/api/v1/portfolios/" + DEMO + "/account-roles", claimless)
                            .body())
                    .contains("\"code\":\"REGIONAL_LEAD\"");

            assertDemoPortfolio(jdbc(stack));
            assertDurable(jdbc(stack));
            seededAt = portfolioCreatedAt(jdbc(stack));

            ReadmeWalkthrough.Result walkthrough = ReadmeWalkthrough.run(
                    ReadmeWalkthrough.blocks(ProjectFiles.read("README.md")),
                    stack.gatewayUrl(),
                    stack.mailbox().url(),
                    stack.dataDirectory(),
                    walkthroughDirectory);
            assertThat(walkthrough.exitCode())
                    .as("README walkthrough:\n%s", walkthrough.output())
                    .isZero();
            assertThat(walkthrough.output())
                    .contains("\"status\":\"UP\"")
                    .contains("{\"userId\":\"" + DemoPortfolio.LEAVER_ID
                            + "\",\"email\":\"leaver@demo.example\",\"accounts\":150}")
                    .contains(
                            "{\"changes\":148,\"skipped\":2,\"byReason\":{\"OWNER_PROTECTED\":2},\"portfolioUsers\":[]}")
                    .contains("{\"status\":\"COMPLETED\",\"counts\":{\"total\":150,\"pending\":0,"
                            + "\"succeeded\":148,\"skipped\":2,\"failed\":0,\"cancelled\":0},\"percentDone\":100}")
                    .contains("\"email\":\"leaver@demo.example\",\"reason\":\"OWNER_PROTECTED\"}")
                    .contains("Access of leaver@demo.example (Manager) removed by admin@demo.example"
                            + " from the portfolio level")
                    .contains("admin@demo.example invited you to 2 account(s) of Demo Agency")
                    .contains("[{\"accountId\":\"00000000-0000-0000-0001-000000000003\",\"role\":\"ANALYST\","
                            + "\"state\":\"ACTIVE\"},{\"accountId\":\"00000000-0000-0000-0001-000000000004\","
                            + "\"role\":\"SUPPORT\",\"state\":\"ACTIVE\"}]")
                    .contains("{\"email\":\"newcomer@demo.example\",\"states\":[\"ACTIVE\",\"ACTIVE\"]}");
            assertThat(stack.mailbox().messages(Optional.of("newcomer@demo.example")))
                    .as("the e-mail's accept link, with the gateway on any free port")
                    .singleElement()
                    .extracting(message -> (String) message.get("acceptLink"))
                    .asString()
                    .startsWith(stack.gatewayUrl() + "/invitations/");

            send(stack.kafkaBootstrapServers(), "kept across restarts");
        }

        printed.reset();
        try (LocalStack restarted = LocalStack.start(options, new PrintStream(printed, true, UTF_8))) {
            assertThat(restarted.demoSeeded()).isFalse();
            assertThat(printed.toString(UTF_8)).contains("Seeding the demo portfolio ... already there");
            assertThat(restarted.kafkaFormatted()).isFalse();
            assertDemoPortfolio(jdbc(restarted));
            assertThat(portfolioCreatedAt(jdbc(restarted))).isEqualTo(seededAt);
            assertThat(receiveAll(restarted.kafkaBootstrapServers())).containsExactly("kept across restarts");
            String token = printedToken(printed.toString(UTF_8));
            assertThat(get(restarted.gatewayUrl() + "/api/v1/portfolios/" + DEMO + "/accounts", token)
                            .statusCode())
                    .isNotIn(401, 403);
            stranded = strandedJob(restarted, token);
        }

        // The broker's log is lost: the tasks it held exist only in the database now.
        deleteTree(dataDirectory.resolve("kafka"));
        printed.reset();
        try (LocalStack newBroker = LocalStack.start(options, new PrintStream(printed, true, UTF_8))) {
            assertThat(newBroker.kafkaFormatted()).isTrue();
            assertThat(newBroker.demoSeeded()).isFalse();
            assertThat(printed.toString(UTF_8))
                    .contains("The broker is new: " + stranded.tasks() + " pending tasks will be sent again");
            // Within the time a job takes, not the stuck-task sweep's 15 minutes.
            JsonNode done = new GatewayClient(
                            newBroker.gatewayUrl(), printedToken(printed.toString(UTF_8)), DemoPortfolio.PORTFOLIO_ID)
                    .awaitTerminal(stranded.id());
            assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("COMPLETED");
            assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(stranded.tasks());
        }

        printed.reset();
        try (LocalStack reset = LocalStack.start(options.withReset(), new PrintStream(printed, true, UTF_8))) {
            assertThat(printed.toString(UTF_8)).contains("Reset: wiped " + dataDirectory.toAbsolutePath());
            assertThat(reset.demoSeeded()).isTrue();
            assertThat(reset.kafkaFormatted()).isTrue();
            assertDemoPortfolio(jdbc(reset));
            assertThat(portfolioCreatedAt(jdbc(reset))).isAfter(seededAt);
        }
    }

    /** A job whose tasks all were sent to the broker and none applied yet. */
    private record StrandedJob(UUID id, int tasks) {}

    /**
     * Offboards newcomer@demo.example (whom the walkthrough gave two accounts) in a job whose tasks are
     * left as a broker that then lost its log leaves them: sent, as far as the database knows, and
     * pending. The test holds the relays' lock while the job is submitted, then moves the job's relay
     * position past its last task as the relay does once the broker acknowledged a batch; no worker
     * receives them.
     */
    private static StrandedJob strandedJob(LocalStack stack, String token) throws Exception {
        DatabaseEndpoint database = stack.database();
        try (Connection relayLock =
                DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password())) {
            long relayLockKey = ("bulk-task-relay:" + RELAYED_TOPIC).hashCode();
            try (Statement lock = relayLock.createStatement()) {
                lock.execute("SELECT pg_advisory_lock(" + relayLockKey + ")");
            }
            UUID newcomer = jdbc(stack)
                    .sql("SELECT id FROM directory.users WHERE email = 'newcomer@demo.example'")
                    .query(UUID.class)
                    .single();
            UUID job = new GatewayClient(stack.gatewayUrl(), token, DemoPortfolio.PORTFOLIO_ID)
                    .submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(newcomer)));
            int tasks =
                    jdbc(stack).sql("""
                            UPDATE jobs.bulk_jobs
                               SET relayed_seq = (SELECT max(seq) FROM jobs.bulk_tasks WHERE job_id = :job),
                                   relayed_tasks = total, relayed_at = now(), relay_done = true
                             WHERE id = :job AND relayed_seq = 0 AND pending = total
                            RETURNING total""").param("job", job).query(Integer.class).single();
            assertThat(tasks).as("the newcomer's accounts").isEqualTo(2);
            return new StrandedJob(job, tasks);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** The local stack's data survives a crash of the machine: commits wait for the WAL on disk. */
    private static void assertDurable(JdbcClient jdbc) {
        for (String setting : List.of("fsync", "synchronous_commit", "full_page_writes")) {
            assertThat(jdbc.sql("SELECT current_setting('" + setting + "')")
                            .query(String.class)
                            .single())
                    .as(setting)
                    .isEqualTo("on");
        }
        // Sized for bulk jobs: a 100,000-task job's rows stay in memory, checkpoints come less often.
        assertThat(jdbc.sql("SELECT current_setting('shared_buffers')")
                        .query(String.class)
                        .single())
                .isEqualTo("512MB");
        assertThat(jdbc.sql("SELECT current_setting('max_wal_size')")
                        .query(String.class)
                        .single())
                .isEqualTo("4GB");
        assertThat(jdbc.sql("SELECT current_setting('checkpoint_timeout')")
                        .query(String.class)
                        .single())
                .isEqualTo("15min");
    }

    private static void assertDemoPortfolio(JdbcClient jdbc) {
        assertThat(count(jdbc, "SELECT count(*) FROM directory.accounts WHERE portfolio_id = ?"))
                .isEqualTo(200);
        assertThat(count(jdbc, """
                        SELECT count(*) FROM directory.accounts a WHERE a.portfolio_id = ?
                        AND (SELECT count(*) FROM directory.memberships m
                             WHERE m.account_id = a.id AND m.role = 'OWNER') = 1""")).as("accounts with exactly one Owner").isEqualTo(200);
        // The seeded users; the walkthrough adds the newcomer it invites.
        assertThat(count(jdbc, """
                        SELECT count(DISTINCT m.user_id) FROM directory.memberships m
                        JOIN directory.accounts a ON a.id = m.account_id
                        JOIN directory.users u ON u.id = m.user_id
                        WHERE a.portfolio_id = ? AND u.email <> 'newcomer@demo.example'""")).isEqualTo(300);
        assertThat(count(jdbc, """
                        SELECT count(DISTINCT u.id) FROM directory.users u
                        JOIN directory.memberships m ON m.user_id = u.id
                        JOIN directory.accounts a ON a.id = m.account_id
                        WHERE a.portfolio_id = ? AND u.idp_managed""")).isBetween(24L, 36L);
        assertThat(jdbc.sql("SELECT email FROM directory.users WHERE id = ?")
                        .param(DemoPortfolio.ADMIN_ID)
                        .query(String.class)
                        .single())
                .isEqualTo("admin@demo.example");
    }

    private static long count(JdbcClient jdbc, String sql) {
        return jdbc.sql(sql).param(DemoPortfolio.PORTFOLIO_ID).query(Long.class).single();
    }

    private static Instant portfolioCreatedAt(JdbcClient jdbc) {
        return jdbc.sql("SELECT created_at FROM directory.portfolios WHERE id = ?")
                .param(DemoPortfolio.PORTFOLIO_ID)
                .query(java.sql.Timestamp.class)
                .single()
                .toInstant();
    }

    private static JdbcClient jdbc(LocalStack stack) {
        return JdbcClient.create(new DriverManagerDataSource(
                stack.database().jdbcUrl(),
                stack.database().username(),
                stack.database().password()));
    }

    private static String printedToken(String output) {
        List<String> lines = output.lines().toList();
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith("Bearer token of admin@demo.example")) {
                return lines.get(i + 1).trim();
            }
        }
        throw new AssertionError("No token printed:\n" + output);
    }

    private static String forgedToken() {
        return TestTokens.sign(
                "not-the-development-secret-0123456789abcdef",
                DemoPortfolio.ADMIN_ID,
                DemoPortfolio.ADMIN_EMAIL,
                Map.of(DEMO, List.of("OWNER")),
                Instant.now().plus(Duration.ofHours(1)));
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void send(String bootstrapServers, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(TOPIC, "key", value)).get();
        }
    }

    private static List<String> receiveAll(String bootstrapServers) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "restart-check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
            consumer.subscribe(List.of(TOPIC));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
