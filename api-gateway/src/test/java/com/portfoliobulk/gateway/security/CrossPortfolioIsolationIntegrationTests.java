package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * Tenant isolation on every endpoint. Portfolio A has accounts, users and a queued job; the caller
 * is the Owner of portfolio B only. Through B's paths, A's job, user, account and log answer 404 as
 * if they did not exist; through A's paths everything answers 403. Either way nothing changes.
 */
class CrossPortfolioIsolationIntegrationTests extends GatewayIntegrationTest {

    /** A's resources, and B: what the endpoints are called with. */
    record Tenants(UUID portfolioA, UUID accountA, UUID userA, UUID jobA, UUID portfolioB) {}

    /**
     * One endpoint.
     *
     * @param name what it is, for the test's name
     * @param method GET or POST
     * @param path its path for the given portfolio and A's resources
     * @param accept the Accept header
     */
    record Endpoint(String name, String method, Function<UUID, Function<Tenants, String>> path, String accept) {

        @Override
        public String toString() {
            return name;
        }

        String path(UUID portfolioId, Tenants tenants) {
            return path.apply(portfolioId).apply(tenants);
        }
    }

    private static final String JSON = "application/json";

    private Tenants tenants;

    private State before;

    static List<Endpoint> resourceEndpoints() {
        return List.of(
                get("job status", (p, t) -> "/api/v1/portfolios/" + p + "/bulk-jobs/" + t.jobA()),
                get("job tasks", (p, t) -> "/api/v1/portfolios/" + p + "/bulk-jobs/" + t.jobA() + "/tasks"),
                new Endpoint(
                        "job tasks as CSV",
                        "GET",
                        p -> t -> "/api/v1/portfolios/" + p + "/bulk-jobs/" + t.jobA() + "/tasks",
                        "text/csv"),
                new Endpoint(
                        "cancel job",
                        "POST",
                        p -> t -> "/api/v1/portfolios/" + p + "/bulk-jobs/" + t.jobA() + "/cancel",
                        JSON),
                get("user profile", (p, t) -> "/api/v1/portfolios/" + p + "/users/" + t.userA()),
                get("users of an account", (p, t) -> "/api/v1/portfolios/" + p + "/users?accountId=" + t.accountA()),
                get(
                        "account activity log",
                        (p, t) -> "/api/v1/portfolios/" + p + "/accounts/" + t.accountA() + "/activity-log"));
    }

    static List<Endpoint> everyPortfolioEndpoint() {
        List<Endpoint> all = new java.util.ArrayList<>(resourceEndpoints());
        all.add(get("accounts", (p, t) -> "/api/v1/portfolios/" + p + "/accounts"));
        all.add(get("users", (p, t) -> "/api/v1/portfolios/" + p + "/users"));
        all.add(get("jobs", (p, t) -> "/api/v1/portfolios/" + p + "/bulk-jobs"));
        all.add(new Endpoint("submit job", "POST", p -> t -> "/api/v1/portfolios/" + p + "/bulk-jobs", JSON));
        all.add(new Endpoint("preview job", "POST", p -> t -> "/api/v1/portfolios/" + p + "/bulk-jobs/preview", JSON));
        return all;
    }

    @BeforeEach
    void arrange() {
        DirectorySeed.Portfolio a = directory.portfolio();
        UUID accountA = a.account("Alpha");
        UUID userA = a.user("ann");
        a.member(accountA, userA, AccountRole.ANALYST);
        UUID jobA = accepted(a.id(), offboard(userA));
        DirectorySeed.Portfolio b = directory.portfolio();
        UUID accountB = b.account("Beta");
        b.member(accountB, b.user("bob"), AccountRole.ANALYST);
        tenants = new Tenants(a.id(), accountA, userA, jobA, b.id());
        before = state();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resourceEndpoints")
    void anotherPortfoliosResourceIsNotFoundThroughOnesOwnPortfolio(Endpoint endpoint) {
        Answer answer = call(endpoint, admin(tenants.portfolioB()), endpoint.path(tenants.portfolioB(), tenants));

        assertProblem(answer, 404);
        assertThat(answer.text()).doesNotContain("ann.", "Alpha");
        assertThat(state()).isEqualTo(before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyPortfolioEndpoint")
    void anotherPortfoliosPathsAreForbidden(Endpoint endpoint) {
        Answer answer = call(endpoint, admin(tenants.portfolioB()), endpoint.path(tenants.portfolioA(), tenants));

        assertProblem(answer, 403);
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void ownListsShowNothingOfAnotherPortfolio() {
        String b = "/api/v1/portfolios/" + tenants.portfolioB();
        String owner = admin(tenants.portfolioB());

        assertThat(ids(api.get(owner, b + "/bulk-jobs"), "jobId"))
                .doesNotContain(tenants.jobA().toString());
        assertThat(ids(api.get(owner, b + "/accounts"), "accountId"))
                .hasSize(1)
                .doesNotContain(tenants.accountA().toString());
        assertThat(ids(api.get(owner, b + "/users"), "userId"))
                .hasSize(1)
                .doesNotContain(tenants.userA().toString());
    }

    @Test
    void submittingOrPreviewingForAnotherPortfoliosUsersAndAccountsAnswersAsForIdsThatExistNowhere() {
        UUID nowhere = UUID.randomUUID();
        List<Function<UUID[], String>> requests = List.of(
                ids -> offboard(ids[0]),
                ids -> "{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"%s\"],\"accountIds\":[\"%s\"]}"
                        .formatted(ids[0], ids[1]),
                ids -> "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"%s\"],\"accountIds\":[\"%s\"],\"role\":\"MANAGER\"}"
                        .formatted(ids[0], ids[1]),
                ids ->
                        "{\"type\":\"INVITE_USERS\",\"emails\":[\"new@brand.example\"],\"accounts\":[{\"accountId\":\"%s\"}]}"
                                .formatted(ids[1]));

        for (Function<UUID[], String> request : requests) {
            Answer ofA = submit(tenants.portfolioB(), request.apply(new UUID[] {tenants.userA(), tenants.accountA()}));
            Answer ofNobody = submit(tenants.portfolioB(), request.apply(new UUID[] {nowhere, nowhere}));

            Answer previewOfA = api.post(
                    admin(tenants.portfolioB()),
                    jobsPath(tenants.portfolioB()) + "/preview",
                    null,
                    request.apply(new UUID[] {tenants.userA(), tenants.accountA()}));

            assertProblem(ofA, 422);
            assertProblem(previewOfA, 422);
            List<String> asForNobody = fieldsAndMessages(ofNobody, new Tenants(null, nowhere, nowhere, null, null));
            assertThat(fieldsAndMessages(ofA, tenants)).isEqualTo(asForNobody);
            assertThat(fieldsAndMessages(previewOfA, tenants)).isEqualTo(asForNobody);
        }
        assertThat(state()).isEqualTo(before);
    }

    private Answer call(Endpoint endpoint, String token, String path) {
        if (endpoint.method().equals("POST")) {
            String body = path.endsWith("/bulk-jobs") || path.endsWith("/preview") ? offboard(tenants.userA()) : null;
            return api.post(token, path, UUID.randomUUID().toString(), body);
        }
        return api.get(token, path, Map.of("Accept", endpoint.accept()));
    }

    private static Endpoint get(String name, java.util.function.BiFunction<UUID, Tenants, String> path) {
        return new Endpoint(name, "GET", p -> t -> path.apply(p, t), JSON);
    }

    private static String offboard(UUID userId) {
        return "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + userId + "\"]}";
    }

    private static List<String> ids(Answer answer, String field) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body().path("items").values().stream()
                .map(item -> item.path(field).asString())
                .toList();
    }

    /** The problem's errors with the offending ids masked, to compare answers about different ids. */
    private static List<String> fieldsAndMessages(Answer answer, Tenants ids) {
        return answer.body().path("errors").values().stream()
                .map((JsonNode error) -> error.path("field").asString() + ": "
                        + error.path("message")
                                .asString()
                                .replace(String.valueOf(ids.userA()), "<id>")
                                .replace(String.valueOf(ids.accountA()), "<id>"))
                .toList();
    }

    /** What the isolation tests must not change: both portfolios' jobs, tasks and directory rows. */
    private State state() {
        return new State(
                jdbc.sql("""
                                SELECT status || '/' || pending || '/' || cancelled || '/' || version
                                FROM jobs.bulk_jobs WHERE id = :job
                                """).param("job", tenants.jobA()).query(String.class).single(),
                count("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id IN (:a, :b)"),
                count("SELECT count(*) FROM jobs.bulk_tasks WHERE portfolio_id IN (:a, :b) AND status = 'PENDING'"),
                count("SELECT count(*) FROM jobs.idempotency_keys WHERE portfolio_id IN (:a, :b)"),
                count("""
                        SELECT count(*) FROM directory.memberships m JOIN directory.accounts a ON a.id = m.account_id
                        WHERE a.portfolio_id IN (:a, :b)
                        """));
    }

    private long count(String sql) {
        return jdbc.sql(sql)
                .param("a", tenants.portfolioA())
                .param("b", tenants.portfolioB())
                .query(Long.class)
                .single();
    }

    record State(String jobA, long jobs, long pendingTasks, long idempotencyKeys, long memberships) {}
}
