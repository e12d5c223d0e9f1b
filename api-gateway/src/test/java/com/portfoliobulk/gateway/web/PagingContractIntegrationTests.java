package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every list of the API pages the same way: the same {@code limit} and {@code cursor} rules, the
 * same 400 problem when either cannot be used, and {@code nextCursor} always present, null on the
 * last page.
 */
class PagingContractIntegrationTests extends GatewayIntegrationTest {

    private static final String LIMIT_FIX = "must be a whole number from 1 to 500, in plain digits (no sign or spaces)";

    private static final String CURSOR_FIX = "is not a cursor of this list; send the nextCursor of the previous page";

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private UUID account;

    private UUID job;

    private String offboardAnn;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        account = portfolio.account("Brand Berlin");
        portfolio.member(account, ann, AccountRole.ANALYST);
        offboardAnn = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
        job = accepted(portfolio.id(), offboardAnn);
    }

    /** Each list by name, called with a query such as {@code ?limit=3}. */
    private Map<String, Function<String, Answer>> lists() {
        String base = "/api/v1/portfolios/" + portfolio.id();
        String token = admin(portfolio.id());
        Map<String, Function<String, Answer>> lists = new LinkedHashMap<>();
        lists.put("accounts", query -> api.get(token, base + "/accounts" + query));
        lists.put("users", query -> api.get(token, base + "/users" + query));
        lists.put("profile", query -> api.get(token, base + "/users/" + ann + query));
        lists.put("jobs", query -> api.get(token, jobsPath(portfolio.id()) + query));
        lists.put("tasks", query -> api.get(token, jobPath(portfolio.id(), job) + "/tasks" + query));
        lists.put(
                "preview", query -> api.post(token, jobsPath(portfolio.id()) + "/preview" + query, null, offboardAnn));
        lists.put("activity log", query -> api.get(token, base + "/accounts/" + account + "/activity-log" + query));
        lists.put("webhook subscriptions", query -> api.get(token, base + "/webhooks" + query));
        lists.put("portfolio users", query -> api.get(token, base + "/portfolio-users" + query));
        lists.put("portfolio roles", query -> api.get(token, base + "/portfolio-roles" + query));
        lists.put("account roles", query -> api.get(token, base + "/account-roles" + query));
        lists.put("admin log", query -> api.get(token, base + "/admin-log" + query));
        lists.put("scim tokens", query -> api.get(token, base + "/scim-tokens" + query));
        return lists;
    }

    @Test
    void aLimitThatCannotBeUsedGetsTheSameProblemOnEveryList() {
        lists().forEach((list, call) -> {
            // "+10" in a query is " 10": a plus is a space.
            for (String limit : new String[] {"0", "501", "ten", "-1", "2.5", "+10", "10+", "1e1", "0x10"}) {
                assertOneParameterProblem(call.apply("?limit=" + limit), list, "limit", LIMIT_FIX);
            }
        });
    }

    /** A header named like a paging parameter (a proxy's or a library's) neither pages nor is refused. */
    @Test
    void pagingIsReadFromTheQueryAloneNotFromHeadersOfTheSameName() {
        UUID bob = portfolio.user("bob");
        portfolio.member(account, bob, AccountRole.ANALYST);
        accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");

        Answer page = api.get(admin(portfolio.id()), jobsPath(portfolio.id()), Map.of("Limit", "1", "Cursor", "x"));

        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(page.body().path("items").size()).isEqualTo(2);
        assertThat(page.body().get("nextCursor").isNull()).isTrue();
    }

    @Test
    void aLimitWithLeadingZerosIsReadAsDecimal() {
        Answer page = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?limit=0500");

        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(page.body().path("items").size()).isEqualTo(1);
    }

    @Test
    void aCursorThatNoPageOfTheListMadeGetsTheSameProblemOnEveryList() {
        String jobsCursor = Cursor.of("jobs", 1, UUID.randomUUID()).encode();
        lists().forEach((list, call) -> {
            for (String cursor : new String[] {"bm90LWEtY3Vyc29y", "%25%25", "a.b.c", "x".repeat(1100)}) {
                assertOneParameterProblem(call.apply("?cursor=" + cursor), list, "cursor", CURSOR_FIX);
            }
            if (!list.equals("jobs")) {
                assertOneParameterProblem(call.apply("?cursor=" + jobsCursor), list, "cursor", CURSOR_FIX);
            }
        });
    }

    /**
     * A cursor names the list it was made by, owner included: the tasks of another job, the jobs of
     * another portfolio or another user's accounts would read as a wrong page (the tasks' positions are
     * counted across all jobs, so another job's cursor read as an empty last page).
     */
    @Test
    void aCursorOfTheSameListOfAnotherJobPortfolioOrUserIsRefused() {
        UUID bob = portfolio.user("bob");
        UUID second = portfolio.account("Brand Hamburg");
        portfolio.member(account, bob, AccountRole.ANALYST).member(second, bob, AccountRole.ANALYST);
        UUID bobsJob = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}");
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID otherAccount = other.account("Other brand");
        for (String name : List.of("cy", "di")) {
            UUID user = other.user(name);
            other.member(otherAccount, user, AccountRole.ANALYST);
            accepted(other.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + user + "\"]}");
        }
        String token = admin(portfolio.id());

        String bobsTasks = nextCursor(api.get(token, jobPath(portfolio.id(), bobsJob) + "/tasks?limit=1"));
        String othersJobs = nextCursor(api.get(admin(other.id()), jobsPath(other.id()) + "?limit=1"));
        String bobsAccounts =
                nextCursor(api.get(token, "/api/v1/portfolios/" + portfolio.id() + "/users/" + bob + "?limit=1"));

        assertOneParameterProblem(
                api.get(token, jobPath(portfolio.id(), job) + "/tasks?cursor=" + bobsTasks),
                "tasks",
                "cursor",
                CURSOR_FIX);
        assertOneParameterProblem(
                api.get(token, jobsPath(portfolio.id()) + "?cursor=" + othersJobs), "jobs", "cursor", CURSOR_FIX);
        assertOneParameterProblem(
                api.get(token, "/api/v1/portfolios/" + portfolio.id() + "/users/" + ann + "?cursor=" + bobsAccounts),
                "profile",
                "cursor",
                CURSOR_FIX);
        // Each still pages its own list.
        assertThat(api.get(token, jobPath(portfolio.id(), bobsJob) + "/tasks?cursor=" + bobsTasks)
                        .status())
                .isEqualTo(200);
    }

    private static String nextCursor(Answer page) {
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        String next = page.body().path("nextCursor").asString();
        assertThat(next).as(page.text()).isNotBlank();
        return next;
    }

    /**
     * A cursor is opaque, not signed: a client can forge one that names the right list with values no
     * page made (a time beyond the database's range, a position past any number, parts missing or
     * extra). Each list answers it as a page (empty, or the items after it) or as a 400 problem naming
     * {@code cursor},
     * never as a failure of its own.
     */
    @Test
    void aForgedCursorOfTheRightListIsAPageOrTheSameProblem() {
        UUID p = portfolio.id();
        Map<String, String> names = new LinkedHashMap<>();
        names.put("accounts", Cursor.list("accounts", p));
        names.put("users", Cursor.list("users", p));
        names.put("profile", Cursor.list("profile-accounts", p, ann));
        names.put("jobs", Cursor.list("jobs", p));
        names.put("tasks", Cursor.list("tasks", job));
        names.put("preview", "preview");
        names.put("webhook subscriptions", Cursor.list("webhook-subscriptions", p));
        names.put("portfolio users", Cursor.list("portfolio-users", p));
        names.put("portfolio roles", Cursor.list("portfolio-roles", p));
        names.put("account roles", Cursor.list("account-roles", p));
        names.put("admin log", Cursor.list("admin-log", p));
        names.put("scim tokens", Cursor.list("scim-tokens", p));
        UUID id = UUID.randomUUID();
        List<Object[]> forged = List.of(
                new Object[] {Long.MAX_VALUE, id},
                new Object[] {Long.MIN_VALUE, id},
                new Object[] {-1, id},
                new Object[] {"99999999999999999999", id},
                new Object[] {"+1000000000-12-31T23:59:59.999999999Z", id},
                new Object[] {"-1000000000-01-01T00:00:00Z", id},
                new Object[] {"294277-01-01T00:00:00Z", id},
                new Object[] {Long.MAX_VALUE},
                new Object[] {id},
                new Object[] {},
                new Object[] {Long.MAX_VALUE, id, id, "x"},
                new Object[] {0, id, "x".repeat(700)});
        lists().forEach((list, call) -> {
            if (list.equals("activity log")) {
                return; // read through to the audit-consumer: its ActivityLogApiIntegrationTests
            }
            for (Object[] values : forged) {
                String cursor = Cursor.of(names.get(list), values).encode();
                Answer answer = call.apply("?cursor=" + cursor);
                String what = list + " " + java.util.Arrays.toString(values) + ": " + answer.text();
                if (answer.status() == 200) {
                    assertThat(answer.body().has("items")).as(what).isTrue();
                } else {
                    assertThat(answer.status()).as(what).isEqualTo(400);
                    assertFieldProblem(answer, 400, "cursor");
                    assertThat(answer.body().path("type").asString())
                            .as(what)
                            .isEqualTo(Problems.INVALID_REQUEST.toString());
                }
            }
        });
    }

    @Test
    void theLastPageOfEveryListSaysSoWithANullNextCursor() {
        lists().forEach((list, call) -> {
            if (list.equals("activity log")) {
                return; // read through to the audit-consumer: local-stack's end-to-end tests
            }
            Answer page = call.apply("?limit=500");
            assertThat(page.status()).as(list + ": " + page.text()).isEqualTo(200);
            assertThat(page.body().has("nextCursor")).as(list).isTrue();
            assertThat(page.body().get("nextCursor").isNull()).as(list).isTrue();
        });
    }

    /**
     * A portfolio the directory does not hold has no lists: 404, not an empty page, also for a caller
     * whose token's claims give permissions on it.
     */
    @Test
    void everyListOfAPortfolioThatDoesNotExistIsNotFound() {
        UUID missing = UUID.randomUUID();
        String base = "/api/v1/portfolios/" + missing;
        String token = admin(missing);
        for (String list : List.of(
                "/accounts",
                "/users",
                "/bulk-jobs",
                "/webhooks",
                "/portfolio-users",
                "/portfolio-roles",
                "/account-roles",
                "/admin-log",
                "/scim-tokens")) {
            Answer answer = api.get(token, base + list);
            assertThat(answer.status()).as(list + ": " + answer.text()).isEqualTo(404);
            assertThat(answer.body().path("detail").asString())
                    .as(list)
                    .isEqualTo("There is no portfolio " + missing + ".");
        }
    }

    @Test
    void aNextCursorLeadsToTheNextPageOfItsListOnly() {
        UUID second = accepted(portfolio.id(), offboardAnn);
        Answer first = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?limit=1");
        String cursor = first.body().path("nextCursor").asString();

        Answer next = api.get(admin(portfolio.id()), jobsPath(portfolio.id()) + "?limit=1&cursor=" + cursor);
        Answer elsewhere = api.get(admin(portfolio.id()), jobPath(portfolio.id(), job) + "/tasks?cursor=" + cursor);

        assertThat(first.body().path("items").get(0).path("jobId").asString()).isEqualTo(second.toString());
        assertThat(next.body().path("items").get(0).path("jobId").asString()).isEqualTo(job.toString());
        assertOneParameterProblem(elsewhere, "tasks", "cursor", CURSOR_FIX);
    }

    @Test
    void theDescriptionSaysSoForEveryPage() {
        JsonNode schemas =
                api.get(null, "/v3/api-docs").body().path("components").path("schemas");
        JsonNode paths = api.get(null, "/v3/api-docs").body().path("paths");

        assertThat(schemas.properties())
                .filteredOn(schema -> schema.getValue().path("properties").has("nextCursor"))
                .extracting(Map.Entry::getKey)
                .contains(
                        "PageLinkedAccount",
                        "PagePortfolioUser",
                        "UserProfile",
                        "PageJob",
                        "PageTask",
                        "PreviewPage",
                        "ActivityLogPage")
                .allSatisfy(name -> {
                    JsonNode schema = schemas.path(name);
                    assertThat(schema.path("required").values())
                            .as(name)
                            .extracting(JsonNode::asString)
                            .contains("nextCursor");
                    assertThat(schema.path("properties")
                                    .path("nextCursor")
                                    .path("type")
                                    .values())
                            .as(name)
                            .extracting(JsonNode::asString)
                            .containsExactly("string", "null");
                });
        paths.properties()
                .forEach(path -> path.getValue().properties().forEach(operation -> {
                    for (JsonNode parameter :
                            operation.getValue().path("parameters").values()) {
                        if (parameter.path("name").asString().equals("limit")) {
                            assertThat(parameter.path("schema").path("maximum").asInt())
                                    .as(path.getKey())
                                    .isEqualTo(500);
                            assertThat(parameter.path("schema").path("default").asInt())
                                    .as(path.getKey())
                                    .isEqualTo(50);
                        }
                    }
                }));
    }

    @Test
    void aParameterGivenTwiceGetsTheSameProblemOnEveryList() {
        lists().forEach((list, call) -> {
            assertOneParameterProblem(call.apply("?limit=2&limit=3"), list, "limit", "is given 2 times; give it once");
        });
        String tasks = jobPath(portfolio.id(), job) + "/tasks";
        assertOneParameterProblem(
                api.get(admin(portfolio.id()), tasks + "?status=SUCCEEDED&status=SKIPPED"),
                "tasks",
                "status",
                "is given 2 times; give it once");
    }

    @Test
    void aParameterTheListDoesNotTakeGetsTheSameProblemOnEveryList() {
        lists().forEach((list, call) -> {
            Answer answer = call.apply("?limit=2&limt=3");

            assertFieldProblem(answer, 400, "limt");
            assertThat(answer.body().path("errors").get(0).path("message").asString())
                    .as(list)
                    .startsWith("is not a query parameter of this endpoint, which takes ")
                    .contains("limit, cursor")
                    .endsWith("; remove it or correct its spelling");
        });
        assertOneParameterProblem(
                api.get(admin(portfolio.id()), jobPath(portfolio.id(), job) + "/tasks?stauts=FAILED"),
                "tasks",
                "stauts",
                "is not a query parameter of this endpoint, which takes status, reason, accountId, limit, cursor;"
                        + " remove it or correct its spelling");
    }

    @Test
    void aParameterOfNoEndpointIsRefusedAndASubmissionCarryingItSubmitsNothing() {
        long jobs = jobCount(portfolio.id());

        Answer submitted = api.post(
                admin(portfolio.id()),
                jobsPath(portfolio.id()) + "?dryRun=true",
                UUID.randomUUID().toString(),
                offboardAnn);
        Answer status = api.get(admin(portfolio.id()), jobPath(portfolio.id(), job) + "?verbose=1");

        assertOneParameterProblem(
                submitted,
                "submission",
                "dryRun",
                "is not a query parameter of this endpoint, which takes none; remove it");
        assertOneParameterProblem(
                status, "status", "verbose", "is not a query parameter of this endpoint, which takes none; remove it");
        assertThat(jobCount(portfolio.id())).isEqualTo(jobs);
        assertThat(api.get(admin(portfolio.id()), jobPath(portfolio.id(), job)).status())
                .isEqualTo(200);
    }

    @Test
    void anIdempotencyKeyGivenTwiceIsRefusedAndSubmitsNothing() {
        long jobs = jobCount(portfolio.id());

        Answer answer = api.post(
                admin(portfolio.id()),
                jobsPath(portfolio.id()),
                null,
                offboardAnn,
                Map.of("Idempotency-Key", List.of("first", "second")));

        assertOneParameterProblem(answer, "submission", "Idempotency-Key", "is given 2 times; give it once");
        assertThat(jobCount(portfolio.id())).isEqualTo(jobs);
    }

    private static void assertOneParameterProblem(Answer answer, String list, String parameter, String fix) {
        assertFieldProblem(answer, 400, parameter);
        JsonNode problem = answer.body();
        assertThat(problem.path("type").asString()).as(list).isEqualTo(Problems.INVALID_REQUEST.toString());
        assertThat(problem.path("title").asString()).as(list).isEqualTo("Invalid request parameter");
        assertThat(problem.path("detail").asString()).as(list).isEqualTo("Invalid '" + parameter + "': " + fix);
        assertThat(problem.path("errors").get(0).path("message").asString())
                .as(list)
                .isEqualTo(fix);
    }
}
