package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.TaskTopic;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.ExecutionInfo;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.listener.ChainListener;
import net.ttddyy.dsproxy.listener.QueryExecutionListener;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A job of each type creates the right tasks, answers 202 with the job, and its tasks reach the task
 * topic keyed by account, with their content, in submission order per account.
 */
class JobSubmissionIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    DataSource dataSource;

    private TaskTopic taskTopic;

    private DirectorySeed.Portfolio portfolio;

    private UUID alpha;

    private UUID beta;

    @BeforeEach
    void arrange() {
        taskTopic = TaskTopic.fromNow(bootstrapServers, topic);
        portfolio = directory.portfolio();
        alpha = portfolio.account("Alpha");
        beta = portfolio.account("Beta");
    }

    @AfterEach
    void closeTopic() {
        taskTopic.close();
    }

    @Test
    void inviteUsersCreatesOneTaskPerAddressAndAccountAndPublishesThem() {
        UUID ann = portfolio.user("ann");
        // One of the portfolio's users: her tasks name her.
        portfolio.member(portfolio.account("Gamma"), ann, AccountRole.ANALYST);
        portfolio.member(beta, portfolio.user("owner"), AccountRole.OWNER);
        String newcomer = portfolio.email("newcomer");

        Answer answer =
                submit(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s","  %s "],"language":"de-ch",
                 "accounts":[{"accountId":"%s","role":"analyst"},{"accountId":"%s"}],"expiresInDays":10}
                """.formatted(portfolio.email("ann").toUpperCase(), newcomer, alpha, beta));

        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        UUID jobId = UUID.fromString(answer.body().path("jobId").asString());
        assertThat(answer.header("Location")).endsWith(jobPath(portfolio.id(), jobId));
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        assertThat(answer.header("Idempotent-Replayed")).isNull();
        assertThat(answer.body().path("type").asString()).isEqualTo("INVITE_USERS");
        assertThat(answer.body().path("status").asString()).isEqualTo("QUEUED");
        assertThat(answer.body().path("portfolioId").asString())
                .isEqualTo(portfolio.id().toString());
        assertThat(answer.body().path("requestedBy").path("userId").asString()).isEqualTo(ADMIN_ID.toString());
        assertThat(answer.body().path("requestedBy").path("email").asString()).isEqualTo(ADMIN_EMAIL);
        assertThat(answer.body().path("counts").path("total").asInt()).isEqualTo(4);
        assertThat(answer.body().path("counts").path("pending").asInt()).isEqualTo(4);
        assertThat(answer.body().path("percentDone").asInt()).isZero();

        List<TaskRow> tasks = tasks(jobId);
        assertThat(tasks)
                .extracting(TaskRow::accountId, TaskRow::userId, TaskRow::email, TaskRow::action, TaskRow::role)
                .containsExactly(
                        tuple(alpha, ann, portfolio.email("ann"), "INVITE", "ANALYST"),
                        tuple(beta, ann, portfolio.email("ann"), "INVITE", "SUPPORT"),
                        tuple(alpha, null, newcomer, "INVITE", "ANALYST"),
                        tuple(beta, null, newcomer, "INVITE", "SUPPORT"));
        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.language()).isEqualTo("de-CH");
            assertThat(task.expiresAt())
                    .isCloseTo(Instant.now().plus(10, ChronoUnit.DAYS), within(1, ChronoUnit.MINUTES));
            assertThat(task.status()).isEqualTo("PENDING");
        });

        List<TaskTopic.Received> records = taskTopic.awaitJob(jobId, 4);
        Map<UUID, TaskRow> byId = tasks.stream().collect(Collectors.toMap(TaskRow::id, task -> task));
        assertThat(records).allSatisfy(record -> {
            BulkTaskMessage message = record.message();
            TaskRow task = byId.get(message.taskId());
            assertThat(task).as("a task of the job").isNotNull();
            assertThat(record.key()).isEqualTo(task.accountId().toString());
            assertThat(record.headers()).as("no type headers").isZero();
            assertThat(message.v()).isEqualTo(BulkTaskMessage.VERSION);
            assertThat(message.portfolioId()).isEqualTo(portfolio.id());
            assertThat(message.action()).isEqualTo(TaskAction.INVITE);
            assertThat(message.user().userId()).isEqualTo(task.userId());
            assertThat(message.user().email()).isEqualTo(task.email());
            assertThat(message.role()).isEqualTo(AccountRole.of(task.role()));
            assertThat(message.language()).isEqualTo("de-CH");
            assertThat(message.expiresAt()).isEqualTo(task.expiresAt());
            assertThat(message.requestedBy()).isEqualTo(new Actor(ADMIN_ID, ADMIN_EMAIL));
            assertThat(message.requestedAt().toString())
                    .isEqualTo(answer.body().path("createdAt").asString());
        });
        assertPublished(jobId);
    }

    /**
     * The memory a submission's transaction sorts its plan in is a size as Spring reads one, written
     * {@code 262144KB} here ({@link GatewayIntegrationTest}), and reaches PostgreSQL in its own unit,
     * {@code kB}: before, it went as written, PostgreSQL (whose units are case-sensitive) refused
     * {@code KB}, and every submission answered 500.
     */
    @Test
    void theSortMemoryOfASubmissionIsASizeInSpringsUnitsSentInPostgresqls() {
        UUID ann = portfolio.user("ann");
        portfolio.member(alpha, ann, AccountRole.ANALYST);
        List<Object> workMem = new CopyOnWriteArrayList<>();
        ChainListener chain = ((ProxyDataSource) dataSource).getProxyConfig().getQueryListener();
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void beforeQuery(ExecutionInfo execution, List<QueryInfo> queries) {}

            @Override
            public void afterQuery(ExecutionInfo execution, List<QueryInfo> queries) {
                queries.stream()
                        .filter(query -> query.getQuery().contains("set_config('work_mem'"))
                        .forEach(query -> workMem.add(
                                query.getParametersList().getFirst().getFirst().getArgs()[1]));
            }
        };
        // A new list, not one changed in place, as other threads' statements go through it meanwhile.
        List<QueryExecutionListener> with = new ArrayList<>(chain.getListeners());
        with.add(listener);
        chain.setListeners(with);
        Answer answer;
        try {
            answer = submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");
        } finally {
            List<QueryExecutionListener> without = new ArrayList<>(chain.getListeners());
            without.remove(listener);
            chain.setListeners(without);
        }

        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        assertThat(workMem).containsExactly("262144kB");
    }

    @Test
    void updateRolesByAssignmentSetsEachRole() {
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        portfolio.member(alpha, ann, AccountRole.ANALYST).member(beta, bob, AccountRole.SUPPORT);

        UUID jobId = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","assignments":[
                  {"userId":"%s","accountId":"%s","role":"MANAGER"},
                  {"userId":"%s","accountId":"%s","role":"ADMIN"}]}
                """.formatted(ann, alpha, bob, beta));

        assertThat(tasks(jobId))
                .extracting(TaskRow::accountId, TaskRow::userId, TaskRow::email, TaskRow::action, TaskRow::role)
                .containsExactly(
                        tuple(alpha, ann, portfolio.email("ann"), "CHANGE_ROLE", "MANAGER"),
                        tuple(beta, bob, portfolio.email("bob"), "CHANGE_ROLE", "ADMIN"));
        List<TaskTopic.Received> records = taskTopic.awaitJob(jobId, 2);
        assertThat(records)
                .extracting(
                        TaskTopic.Received::key,
                        record -> record.message().user().userId(),
                        record -> record.message().role())
                .containsExactlyInAnyOrder(
                        tuple(alpha.toString(), ann, AccountRole.MANAGER),
                        tuple(beta.toString(), bob, AccountRole.ADMIN));
        assertThat(records).allSatisfy(record -> {
            assertThat(record.message().action()).isEqualTo(TaskAction.CHANGE_ROLE);
            assertThat(record.message().expiresAt()).isNull();
            assertThat(record.message().language()).isNull();
        });
    }

    @Test
    void updateRolesBySelectionSetsOneRoleForEveryUserOnEveryAccount() {
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        portfolio.member(alpha, ann, AccountRole.ANALYST).member(alpha, bob, AccountRole.SUPPORT);

        UUID jobId = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s","%s"],"accountIds":["%s","%s"],"role":"CONTENT_CREATOR"}
                """.formatted(ann, bob, alpha, beta));

        assertThat(tasks(jobId))
                .extracting(TaskRow::userId, TaskRow::accountId, TaskRow::action, TaskRow::role)
                .containsExactly(
                        tuple(ann, alpha, "CHANGE_ROLE", "CONTENT_CREATOR"),
                        tuple(ann, beta, "CHANGE_ROLE", "CONTENT_CREATOR"),
                        tuple(bob, alpha, "CHANGE_ROLE", "CONTENT_CREATOR"),
                        tuple(bob, beta, "CHANGE_ROLE", "CONTENT_CREATOR"));
        assertThat(taskTopic.awaitJob(jobId, 4))
                .extracting(TaskTopic.Received::key)
                .containsExactlyInAnyOrder(alpha.toString(), beta.toString(), alpha.toString(), beta.toString());
    }

    @Test
    void removeAccessRemovesEveryUserFromEverySelectedAccount() {
        UUID ann = portfolio.user("ann");
        UUID gamma = portfolio.account("Gamma");
        portfolio.member(alpha, ann, AccountRole.ANALYST).member(gamma, ann, AccountRole.ANALYST);

        UUID jobId = accepted(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":["%s","%s"]}
                """.formatted(ann, alpha, beta));

        assertThat(tasks(jobId))
                .extracting(TaskRow::userId, TaskRow::accountId, TaskRow::action, TaskRow::role)
                .containsExactly(tuple(ann, alpha, "REMOVE", null), tuple(ann, beta, "REMOVE", null));
        assertThat(taskTopic.awaitJob(jobId, 2)).allSatisfy(record -> {
            assertThat(record.message().action()).isEqualTo(TaskAction.REMOVE);
            assertThat(record.message().role()).isNull();
            assertThat(record.message().user().email()).isEqualTo(portfolio.email("ann"));
        });
    }

    @Test
    void offboardUsersExpandsToEveryLinkedAccountWithAMembership() {
        UUID ann = portfolio.user("ann");
        UUID gamma = portfolio.account("Gamma");
        UUID elsewhere = directory.portfolio().account("Another portfolio's account");
        UUID unlinked = portfolio.unlinkedAccount("Unlinked");
        portfolio
                .member(alpha, ann, AccountRole.ANALYST)
                .member(gamma, ann, AccountRole.OWNER)
                .invited(beta, ann, AccountRole.SUPPORT, Instant.now().plus(Duration.ofDays(3)))
                .member(elsewhere, ann, AccountRole.ADMIN)
                .member(unlinked, ann, AccountRole.ADMIN);

        UUID jobId = accepted(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s"]}
                """.formatted(ann));

        List<TaskRow> tasks = tasks(jobId);
        assertThat(tasks)
                .extracting(TaskRow::accountId)
                .as("every linked account where ann has a membership, the Owner one included (the worker skips it)")
                .containsExactlyInAnyOrder(alpha, beta, gamma);
        assertThat(tasks).allSatisfy(task -> {
            assertThat(task.action()).isEqualTo("REMOVE");
            assertThat(task.userId()).isEqualTo(ann);
        });
        assertThat(jdbc.sql("SELECT type FROM jobs.bulk_jobs WHERE id = :id")
                        .param("id", jobId)
                        .query(String.class)
                        .single())
                .isEqualTo("OFFBOARD_USERS");
        assertThat(taskTopic.awaitJob(jobId, 3))
                .extracting(TaskTopic.Received::key)
                .containsExactlyInAnyOrder(alpha.toString(), beta.toString(), gamma.toString());
    }

    @Test
    void twoJobsOnTheSameAccountsArePublishedInSubmissionOrderPerAccount() {
        UUID ann = portfolio.user("ann");
        List<UUID> accounts = portfolio.accounts(20);
        accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        String accountIds = accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));

        UUID first = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":[%s],"role":"MANAGER"}
                """.formatted(ann, accountIds));
        UUID second = accepted(portfolio.id(), """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":[%s]}
                """.formatted(ann, accountIds));

        List<TaskTopic.Received> records = taskTopic.awaitJobs(List.of(first, second), 40);
        Map<String, List<TaskTopic.Received>> byAccount =
                records.stream().collect(Collectors.groupingBy(TaskTopic.Received::key));
        assertThat(byAccount).hasSize(20);
        byAccount.forEach((account, received) -> {
            assertThat(received)
                    .extracting(TaskTopic.Received::partition)
                    .containsOnly(received.getFirst().partition());
            List<UUID> jobOrder = received.stream()
                    .sorted(Comparator.comparingLong(TaskTopic.Received::offset))
                    .map(record -> record.message().jobId())
                    .distinct()
                    .toList();
            assertThat(jobOrder).as("account %s", account).containsExactly(first, second);
        });
    }

    private void assertPublished(UUID jobId) {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(unrelayed(jobId)).isZero());
    }

    private List<TaskRow> tasks(UUID jobId) {
        return jdbc.sql("""
                        SELECT id, account_id, user_id, email, action, role, language, expires_at, status
                        FROM jobs.bulk_tasks WHERE job_id = :jobId ORDER BY seq
                        """)
                .param("jobId", jobId)
                .query((row, n) -> {
                    OffsetDateTime expiresAt = row.getObject("expires_at", OffsetDateTime.class);
                    return new TaskRow(
                            row.getObject("id", UUID.class),
                            row.getObject("account_id", UUID.class),
                            row.getObject("user_id", UUID.class),
                            row.getString("email"),
                            row.getString("action"),
                            row.getString("role"),
                            row.getString("language"),
                            expiresAt == null ? null : expiresAt.toInstant(),
                            row.getString("status"));
                })
                .list();
    }

    private record TaskRow(
            UUID id,
            UUID accountId,
            UUID userId,
            String email,
            String action,
            String role,
            String language,
            Instant expiresAt,
            String status) {}
}
