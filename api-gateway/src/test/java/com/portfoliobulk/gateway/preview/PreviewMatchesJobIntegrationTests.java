package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The preview lists exactly the tasks a submission of the same body stores, in the same order: the
 * same accounts, users, actions and roles, one to one.
 */
class PreviewMatchesJobIntegrationTests extends PreviewIntegrationTest {

    private DirectorySeed.Portfolio portfolio;

    private List<UUID> accounts;

    private UUID ann;

    private UUID bob;

    private UUID idp;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        accounts = portfolio.accounts(6);
        ann = portfolio.user("ann");
        bob = portfolio.user("bob");
        idp = portfolio.idpManagedUser("idp");
        portfolio
                .member(accounts.get(0), ann, AccountRole.ANALYST)
                .member(accounts.get(1), ann, AccountRole.OWNER)
                .invited(
                        accounts.get(2), ann, AccountRole.SUPPORT, Instant.now().plus(Duration.ofDays(3)))
                .invited(
                        accounts.get(3), ann, AccountRole.SUPPORT, Instant.now().minus(Duration.ofDays(3)))
                .member(accounts.get(4), bob, AccountRole.MANAGER)
                .member(accounts.get(5), bob, AccountRole.ADMIN)
                .member(accounts.get(0), idp, AccountRole.SUPPORT);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "INVITE_USERS",
                "UPDATE_ROLES_ASSIGNMENTS",
                "UPDATE_ROLES_SELECTION",
                "REMOVE_ACCESS",
                "OFFBOARD_USERS"
            })
    void thePreviewedItemsAreTheSubmittedTasks(String kind) {
        String body = body(kind);
        List<JsonNode> items = allItems(portfolio.id(), body, 4);

        UUID jobId = accepted(portfolio.id(), body);

        List<String> tasks = jdbc.sql("""
                        SELECT account_id, user_id, email, action, role FROM jobs.bulk_tasks
                        WHERE job_id = :jobId ORDER BY seq
                        """)
                .param("jobId", jobId)
                .query((row, n) -> String.join(
                        " ",
                        row.getString("account_id"),
                        String.valueOf(row.getString("user_id")),
                        row.getString("email"),
                        row.getString("action"),
                        String.valueOf(row.getString("role"))))
                .list();
        assertThat(items)
                .extracting(item -> String.join(
                        " ",
                        item.path("accountId").asString(),
                        item.path("userId").isNull()
                                ? "null"
                                : item.path("userId").asString(),
                        item.path("email").asString(),
                        item.path("action").asString(),
                        item.path("newRole").isNull()
                                ? "null"
                                : item.path("newRole").asString()))
                .as("more than one page of preview items, against the stored tasks")
                .hasSizeGreaterThan(4)
                .containsExactlyElementsOf(tasks);
    }

    @Test
    void offboardingOrdersEachUsersAccountsByAccountIdInThePreviewAndTheJob() {
        // Memberships stored in an order unrelated to the accounts' ids: a plan ordered by user alone
        // would list each user's accounts in whatever order the join yields.
        List<UUID> many = portfolio.accounts(24);
        UUID cid = portfolio.user("cid");
        for (UUID account : many) {
            portfolio.member(account, cid, AccountRole.ANALYST);
        }
        for (UUID account : many.reversed()) {
            portfolio.member(account, bob, AccountRole.SUPPORT);
        }
        String body = """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s"]}
                """.formatted(cid, bob);
        List<String> items = allItems(portfolio.id(), body, 7).stream()
                .map(item -> item.path("userId").asString() + " "
                        + item.path("accountId").asString())
                .toList();

        UUID jobId = accepted(portfolio.id(), body);

        List<String> tasks = jdbc.sql(
                        "SELECT user_id, account_id FROM jobs.bulk_tasks WHERE job_id = :jobId ORDER BY seq")
                .param("jobId", jobId)
                .query((row, n) -> row.getString("user_id") + " " + row.getString("account_id"))
                .list();
        List<String> expected = new ArrayList<>();
        for (UUID user : List.of(cid, bob)) {
            jdbc.sql("""
                            SELECT account_id FROM directory.memberships WHERE user_id = :userId
                            ORDER BY account_id
                            """)
                    .param("userId", user)
                    .query(UUID.class)
                    .list()
                    .forEach(account -> expected.add(user + " " + account));
        }
        assertThat(expected).hasSize(24 + 26);
        assertThat(tasks)
                .as("stored tasks: by user as requested, then by account id")
                .containsExactlyElementsOf(expected);
        assertThat(items).as("previewed items").containsExactlyElementsOf(expected);
    }

    @Test
    void theSummaryCountsWhatTheJobWillHold() {
        String body = body("OFFBOARD_USERS");
        JsonNode summary = plan(portfolio.id(), body).path("summary");

        UUID jobId = accepted(portfolio.id(), body);

        long total = jdbc.sql("SELECT total FROM jobs.bulk_jobs WHERE id = :id")
                .param("id", jobId)
                .query(Long.class)
                .single();
        assertThat(summary.path("changes").asLong() + summary.path("skipped").asLong())
                .isEqualTo(total);
    }

    private String body(String kind) {
        return switch (kind) {
            case "INVITE_USERS" ->
                """
                {"type":"INVITE_USERS","emails":["%s","%s","%s"],"language":"de",
                 "accounts":[{"accountId":"%s","role":"ANALYST"},{"accountId":"%s"},{"accountId":"%s"}]}
                """.formatted(
                                portfolio.email("ann"),
                                portfolio.email("newcomer"),
                                portfolio.email("idp"),
                                accounts.get(0),
                                accounts.get(2),
                                accounts.get(3));
            case "UPDATE_ROLES_ASSIGNMENTS" ->
                """
                {"type":"UPDATE_ROLES","assignments":[
                  {"userId":"%s","accountId":"%s","role":"MANAGER"},{"userId":"%s","accountId":"%s","role":"MANAGER"},
                  {"userId":"%s","accountId":"%s","role":"ADMIN"},{"userId":"%s","accountId":"%s","role":"ADMIN"},
                  {"userId":"%s","accountId":"%s","role":"ANALYST"}]}
                """.formatted(
                                ann,
                                accounts.get(0),
                                ann,
                                accounts.get(1),
                                bob,
                                accounts.get(4),
                                bob,
                                accounts.get(5),
                                idp,
                                accounts.get(0));
            case "UPDATE_ROLES_SELECTION" -> """
                {"type":"UPDATE_ROLES","userIds":["%s","%s"],"accountIds":["%s","%s","%s"],"role":"MANAGER"}
                """.formatted(ann, bob, accounts.get(0), accounts.get(4), accounts.get(2));
            case "REMOVE_ACCESS" -> """
                {"type":"REMOVE_ACCESS","userIds":["%s","%s"],"accountIds":["%s","%s","%s"]}
                """.formatted(bob, ann, accounts.get(5), accounts.get(1), accounts.get(3));
            case "OFFBOARD_USERS" -> """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s","%s"]}
                """.formatted(bob, idp, ann);
            default -> throw new IllegalArgumentException(kind);
        };
    }
}
