package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import tools.jackson.databind.JsonNode;

/**
 * Bulk jobs through the real path: submitted over HTTP to the gateway, relayed to Kafka, applied by
 * the bulk-worker to the directory in PostgreSQL, followed through the gateway's job status, task
 * outcomes and bird's-eye view of users.
 */
class BulkJobEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    private TestPortfolio portfolio;

    private GatewayClient gateway;

    private UUID a0;

    private UUID a1;

    private UUID a2;

    private UUID a3;

    @BeforeEach
    void arrange() {
        portfolio = TestPortfolio.seed(TestStack.database(), 4);
        UUID admin = UUID.randomUUID();
        gateway = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        a0 = portfolio.account(0);
        a1 = portfolio.account(1);
        a2 = portfolio.account(2);
        a3 = portfolio.account(3);
    }

    @Test
    void eachJobTypeReachesItsOutcomesByTheRules() {
        String newcomer = TestPortfolio.newEmail("newcomer");
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, List.of(a0));
        UserRef bob = portfolio.addUser("bob", AccountRole.ANALYST, List.of(a0, a1));
        UserRef carl = portfolio.addUser("carl", AccountRole.ANALYST, List.of(a0, a1));
        UserRef sso = portfolio.addIdpManagedUser("sso", AccountRole.ANALYST, List.of(a0, a1));
        UserRef dora = portfolio.addUser("dora", AccountRole.MANAGER, List.of(a0, a1));
        UserRef erin = portfolio.addUser("erin", AccountRole.ANALYST, List.of(a0, a1, a3));
        UserRef ownerA0 = portfolio.owner(a0);
        UserRef ownerA1 = portfolio.owner(a1);
        UserRef ownerA2 = portfolio.owner(a2);

        UUID invite = gateway.submit(Map.of(
                "type",
                "INVITE_USERS",
                "emails",
                List.of(newcomer.toUpperCase(), ann.email()),
                "language",
                "en",
                "accounts",
                List.of(Map.of("accountId", a0, "role", "ANALYST"), Map.of("accountId", a1, "role", "MANAGER")),
                "expiresInDays",
                7));
        UUID assign = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "assignments",
                List.of(
                        assignment(bob, a0, "MANAGER"),
                        assignment(bob, a1, "ANALYST"),
                        assignment(bob, a2, "MANAGER"),
                        assignment(ownerA2, a2, "ADMIN"))));
        UUID select = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                List.of(carl.userId(), sso.userId()),
                "accountIds",
                List.of(a0, a1),
                "role",
                "SUPPORT"));
        UUID remove = gateway.submit(Map.of(
                "type", "REMOVE_ACCESS",
                "userIds", List.of(dora.userId(), ownerA0.userId()),
                "accountIds", List.of(a0, a2)));
        UUID offboard =
                gateway.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(erin.userId(), ownerA1.userId())));

        assertDone(invite, "COMPLETED", 4);
        assertThat(outcomes(invite))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + newcomer, "SUCCEEDED",
                        a1 + " " + newcomer, "SUCCEEDED",
                        a0 + " " + ann.email(), "SKIPPED ALREADY_MEMBER",
                        a1 + " " + ann.email(), "SUCCEEDED"));
        assertThat(gateway.memberships(newcomer)).isEqualTo(Map.of(a0, "ANALYST/INVITED", a1, "MANAGER/INVITED"));
        assertThat(gateway.memberships(ann.email())).isEqualTo(Map.of(a0, "ANALYST", a1, "MANAGER/INVITED"));

        assertDone(assign, "COMPLETED", 4);
        assertThat(outcomes(assign))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + bob.email(), "SUCCEEDED",
                        a1 + " " + bob.email(), "SKIPPED NO_CHANGE",
                        a2 + " " + bob.email(), "SKIPPED NOT_A_MEMBER",
                        a2 + " " + ownerA2.email(), "SKIPPED OWNER_PROTECTED"));
        JsonNode bobOnA0 = task(assign, a0, bob.email());
        assertThat(bobOnA0.get("previousRole").asString()).isEqualTo("ANALYST");
        assertThat(bobOnA0.get("newRole").asString()).isEqualTo("MANAGER");
        assertThat(bobOnA0.get("appliedAt").isNull()).isFalse();
        assertThat(gateway.memberships(bob.email())).isEqualTo(Map.of(a0, "MANAGER", a1, "ANALYST"));
        assertThat(gateway.memberships(ownerA2.email())).isEqualTo(Map.of(a2, "OWNER"));

        assertDone(select, "COMPLETED", 4);
        assertThat(outcomes(select))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + carl.email(), "SUCCEEDED",
                        a1 + " " + carl.email(), "SUCCEEDED",
                        a0 + " " + sso.email(), "SKIPPED IDP_MANAGED",
                        a1 + " " + sso.email(), "SKIPPED IDP_MANAGED"));
        assertThat(gateway.memberships(carl.email())).isEqualTo(Map.of(a0, "SUPPORT", a1, "SUPPORT"));
        assertThat(gateway.memberships(sso.email())).isEqualTo(Map.of(a0, "ANALYST", a1, "ANALYST"));

        assertDone(remove, "COMPLETED", 4);
        assertThat(outcomes(remove))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + dora.email(), "SUCCEEDED",
                        a2 + " " + dora.email(), "SKIPPED NOT_A_MEMBER",
                        a0 + " " + ownerA0.email(), "SKIPPED OWNER_PROTECTED",
                        a2 + " " + ownerA0.email(), "SKIPPED NOT_A_MEMBER"));
        assertThat(gateway.memberships(dora.email())).isEqualTo(Map.of(a1, "MANAGER"));
        assertThat(gateway.memberships(ownerA0.email())).isEqualTo(Map.of(a0, "OWNER"));

        assertDone(offboard, "COMPLETED", 4);
        assertThat(outcomes(offboard))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + erin.email(), "SUCCEEDED",
                        a1 + " " + erin.email(), "SUCCEEDED",
                        a3 + " " + erin.email(), "SUCCEEDED",
                        a1 + " " + ownerA1.email(), "SKIPPED OWNER_PROTECTED"));
        assertThat(gateway.memberships(erin.email())).isEmpty();
        assertThat(gateway.memberships(ownerA1.email())).isEqualTo(Map.of(a1, "OWNER"));
    }

    @Test
    void twoJobsOnTheSameAccountsApplyInSubmissionOrder() {
        List<UUID> accounts = portfolio.accounts();
        UserRef gus = portfolio.addUser("gus", AccountRole.ANALYST, accounts);
        UserRef hal = portfolio.addUser("hal", AccountRole.SUPPORT, accounts);

        UUID toManager = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                List.of(gus.userId(), hal.userId()),
                "accountIds",
                accounts,
                "role",
                "MANAGER"));
        UUID backToAnalyst = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "assignments",
                accounts.stream()
                        .map(account -> assignment(gus, account, "ANALYST"))
                        .toList()));
        UUID removeHal = gateway.submit(
                Map.of("type", "REMOVE_ACCESS", "userIds", List.of(hal.userId()), "accountIds", accounts));

        assertDone(toManager, "COMPLETED", 8);
        assertDone(backToAnalyst, "COMPLETED", 4);
        assertDone(removeHal, "COMPLETED", 4);
        assertThat(gateway.tasks(backToAnalyst)).allSatisfy(task -> {
            assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(task.get("previousRole").asString()).isEqualTo("MANAGER");
        });
        assertThat(gateway.tasks(removeHal)).allSatisfy(task -> {
            assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(task.get("previousRole").asString()).isEqualTo("MANAGER");
        });
        Map<UUID, String> analystEverywhere = new LinkedHashMap<>();
        accounts.forEach(account -> analystEverywhere.put(account, "ANALYST"));
        assertThat(gateway.memberships(gus.email())).isEqualTo(analystEverywhere);
        assertThat(gateway.memberships(hal.email())).isEmpty();
    }

    @Test
    void cancellingRightAfterSubmissionLeavesTheJobTerminalWithCountsAddingUp() {
        List<UUID> accounts = portfolio.accounts();
        List<UserRef> users = java.util.stream.IntStream.range(0, 10)
                .mapToObj(i -> portfolio.addUser("staff" + i, AccountRole.ANALYST, accounts))
                .toList();

        UUID job = gateway.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                users.stream().map(UserRef::userId).toList(),
                "accountIds",
                accounts,
                "role",
                "CONTENT_CREATOR"));
        int firstCancel = gateway.cancel(job).getStatusCode().value();

        JsonNode done = gateway.awaitTerminal(job);
        assertCountsAddUp(done, 40);
        // The worker may have applied every task before the cancel arrived: then the cancel is refused.
        assertThat(firstCancel).isIn(202, 409);
        assertThat(done.get("status").asString()).isEqualTo(firstCancel == 202 ? "CANCELLED" : "COMPLETED");
        List<JsonNode> tasks = gateway.tasks(job);
        assertThat(tasks).hasSize(40);
        assertThat(tasks.stream()
                        .filter(task -> "CANCELLED".equals(task.get("status").asString())))
                .hasSize(done.get("counts").get("cancelled").asInt());
        Map<String, Map<UUID, String>> memberships = new LinkedHashMap<>();
        users.forEach(user -> memberships.put(user.email(), gateway.memberships(user.email())));
        for (JsonNode task : tasks) {
            String status = task.get("status").asString();
            assertThat(status).isIn("SUCCEEDED", "CANCELLED");
            String role = memberships
                    .get(task.get("email").asString())
                    .get(UUID.fromString(task.get("accountId").asString()));
            if (status.equals("CANCELLED")) {
                assertThat(task.get("reason").asString()).isEqualTo("JOB_CANCELLED");
                assertThat(role).as("a cancelled task changes nothing").isEqualTo("ANALYST");
            } else {
                assertThat(role).isEqualTo("CONTENT_CREATOR");
            }
        }
        assertThat(gateway.cancel(job).getStatusCode().value())
                .as("cancelling a terminal job")
                .isEqualTo(409);
        assertThat(gateway.job(job)).isEqualTo(done);
    }

    /**
     * The cancellation itself, with no race: the worker reads nothing until the job's tasks are all on
     * the topic and the job is cancelled, so the cancel must be accepted and cancel every task, and the
     * worker, reading the 40 records afterwards, must apply none of them.
     */
    @Test
    void aJobCancelledBeforeTheWorkerReadsItsTasksIsCancelledWholeAndNoneOfItsTasksIsAppliedAfterwards()
            throws Exception {
        List<UUID> accounts = portfolio.accounts();
        List<UserRef> users = java.util.stream.IntStream.range(0, 10)
                .mapToObj(i -> portfolio.addUser("held" + i, AccountRole.ANALYST, accounts))
                .toList();
        JdbcClient database = JdbcClient.create(TestStack.database());
        String topic = stack.worker().getEnvironment().getRequiredProperty("bulk.worker.topics.tasks");
        String group = stack.worker().getEnvironment().getRequiredProperty("spring.kafka.consumer.group-id");
        List<MessageListenerContainer> listeners = List.copyOf(
                stack.worker().getBean(KafkaListenerEndpointRegistry.class).getListenerContainers());
        listeners.forEach(MessageListenerContainer::pause);
        try (KafkaOffsets offsets = new KafkaOffsets(SharedInfrastructure.kafkaBootstrapServers())) {
            await().atMost(GatewayClient.JOB_DONE_WITHIN)
                    .until(() -> listeners.stream().allMatch(MessageListenerContainer::isContainerPaused));
            UUID job = gateway.submit(Map.of(
                    "type",
                    "UPDATE_ROLES",
                    "userIds",
                    users.stream().map(UserRef::userId).toList(),
                    "accountIds",
                    accounts,
                    "role",
                    "CONTENT_CREATOR"));
            await().atMost(GatewayClient.JOB_DONE_WITHIN)
                    .until(() -> database.sql("SELECT relayed_tasks FROM jobs.bulk_jobs WHERE id = ?")
                                    .param(job)
                                    .query(Long.class)
                                    .single()
                            == 40);

            ResponseEntity<String> cancel = gateway.cancel(job);
            assertThat(cancel.getStatusCode().value()).as(cancel.getBody()).isEqualTo(202);
            assertThat(GatewayClient.json(cancel.getBody()).get("status").asString())
                    .isEqualTo("CANCELLED");
            List<Object> cancelled = jobRow(database, job);
            assertThat(cancelled).containsExactly("CANCELLED", 40, 0, 0, 0, 0, 40);
            assertThat(offsets.lag(group, topic))
                    .as("the job's records, unread by the paused worker")
                    .isGreaterThanOrEqualTo(40);

            listeners.forEach(MessageListenerContainer::resume);
            await().atMost(GatewayClient.JOB_DONE_WITHIN).until(() -> offsets.lag(group, topic) == 0);

            assertThat(jobRow(database, job))
                    .as("the job once the worker read its records")
                    .isEqualTo(cancelled);
            List<JsonNode> tasks = gateway.tasks(job);
            assertThat(tasks).hasSize(40).allSatisfy(task -> {
                assertThat(task.get("status").asString()).isEqualTo("CANCELLED");
                assertThat(task.get("reason").asString()).isEqualTo("JOB_CANCELLED");
            });
            Map<UUID, String> analystEverywhere = new LinkedHashMap<>();
            accounts.forEach(account -> analystEverywhere.put(account, "ANALYST"));
            users.forEach(user -> assertThat(gateway.memberships(user.email()))
                    .as(user.email())
                    .isEqualTo(analystEverywhere));
            assertThat(gateway.cancel(job).getStatusCode().value())
                    .as("cancelling a cancelled job")
                    .isEqualTo(409);
        } finally {
            listeners.forEach(MessageListenerContainer::resume);
        }
    }

    /** The job's status and counters (total, pending, succeeded, skipped, failed, cancelled), as stored. */
    private static List<Object> jobRow(JdbcClient database, UUID job) {
        return database.sql("SELECT status, total, pending, succeeded, skipped, failed, cancelled FROM jobs.bulk_jobs"
                        + " WHERE id = ?")
                .param(job)
                .query((row, index) -> List.<Object>of(
                        row.getString(1),
                        row.getInt(2),
                        row.getInt(3),
                        row.getInt(4),
                        row.getInt(5),
                        row.getInt(6),
                        row.getInt(7)))
                .single();
    }

    @Test
    void anAccountUnlinkedBeforeItsTaskIsAppliedIsSkipped() {
        UserRef ivy = portfolio.addUser("ivy", AccountRole.ANALYST, List.of(a0, a1));
        List<MessageListenerContainer> listeners = List.copyOf(
                stack.worker().getBean(KafkaListenerEndpointRegistry.class).getListenerContainers());
        listeners.forEach(MessageListenerContainer::pause);
        try {
            await().atMost(GatewayClient.JOB_DONE_WITHIN)
                    .until(() -> listeners.stream().allMatch(MessageListenerContainer::isContainerPaused));
            UUID job = gateway.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(ivy.userId())));
            JdbcClient.create(TestStack.database())
                    .sql("UPDATE directory.accounts SET portfolio_id = NULL WHERE id = ?")
                    .param(a1)
                    .update();
            listeners.forEach(MessageListenerContainer::resume);

            assertDone(job, "COMPLETED", 2);
            assertThat(outcomes(job))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            a0 + " " + ivy.email(), "SUCCEEDED",
                            a1 + " " + ivy.email(), "SKIPPED ACCOUNT_NOT_IN_PORTFOLIO"));
        } finally {
            listeners.forEach(MessageListenerContainer::resume);
        }
    }

    private void assertDone(UUID jobId, String status, int total) {
        JsonNode job = gateway.awaitTerminal(jobId);
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo(status);
        assertCountsAddUp(job, total);
        assertThat(job.get("counts").get("pending").asInt()).isZero();
        assertThat(job.get("percentDone").asDouble()).isEqualTo(100.0);
        assertThat(job.get("completedAt").isNull()).isFalse();
    }

    private static void assertCountsAddUp(JsonNode job, int total) {
        JsonNode counts = job.get("counts");
        assertThat(counts.get("total").asInt()).isEqualTo(total);
        assertThat(counts.get("pending").asInt()
                        + counts.get("succeeded").asInt()
                        + counts.get("skipped").asInt()
                        + counts.get("failed").asInt()
                        + counts.get("cancelled").asInt())
                .as(counts.toString())
                .isEqualTo(total);
    }

    private Map<String, String> outcomes(UUID jobId) {
        return GatewayClient.outcomes(gateway.tasks(jobId));
    }

    private JsonNode task(UUID jobId, UUID accountId, String email) {
        return gateway.tasks(jobId).stream()
                .filter(task -> task.get("accountId").asString().equals(accountId.toString())
                        && task.get("email").asString().equals(email))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, Object> assignment(UserRef user, UUID account, String role) {
        return Map.of("userId", user.userId(), "accountId", account, "role", role);
    }
}
