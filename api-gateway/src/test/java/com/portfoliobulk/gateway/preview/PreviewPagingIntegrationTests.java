package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.RemoveAccess;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A big plan comes in pages; the summary always covers the whole plan. */
class PreviewPagingIntegrationTests extends PreviewIntegrationTest {

    private DirectorySeed.Portfolio portfolio;

    private UUID ann;

    private List<UUID> accounts;

    private String removeAll;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        ann = portfolio.user("ann");
        accounts = portfolio.accounts(7);
        accounts.subList(0, 5).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        removeAll =
                """
                {"type":"REMOVE_ACCESS","userIds":["%s"],"accountIds":[%s]}
                """.formatted(ann, accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",")));
    }

    @Test
    void pagesFollowTheCursorAndTogetherAreTheWholePlanEachWithTheWholeSummary() {
        Answer first = preview(portfolio.id(), "?limit=3", removeAll);
        Answer second = preview(
                portfolio.id(),
                "?limit=3&cursor=" + first.body().path("nextCursor").asString(),
                removeAll);
        Answer third = preview(
                portfolio.id(),
                "?limit=3&cursor=" + second.body().path("nextCursor").asString(),
                removeAll);

        assertThat(List.of(first, second, third)).allSatisfy(page -> {
            assertThat(page.status()).as(page.text()).isEqualTo(200);
            assertThat(page.body().path("summary").path("changes").asLong()).isEqualTo(5);
            assertThat(page.body().path("summary").path("skipped").asLong()).isEqualTo(2);
            assertThat(page.body()
                            .path("summary")
                            .path("byReason")
                            .path("NOT_A_MEMBER")
                            .asLong())
                    .isEqualTo(2);
        });
        assertThat(first.body().path("items").size()).isEqualTo(3);
        assertThat(second.body().path("items").size()).isEqualTo(3);
        assertThat(third.body().path("items").size()).isEqualTo(1);
        assertThat(third.body().path("nextCursor").isNull()).isTrue();
        assertThat(allItems(portfolio.id(), removeAll, 3))
                .extracting(item -> UUID.fromString(item.path("accountId").asString()))
                .containsExactlyElementsOf(accounts);
    }

    @Test
    void theDefaultPageHoldsFiftyItems() {
        UUID bob = portfolio.user("bob");
        portfolio.generateAccountsWithMember(60, bob, AccountRole.SUPPORT);

        JsonNode page = preview(portfolio.id(), "", "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + bob + "\"]}")
                .body();

        assertThat(page.path("items").size()).isEqualTo(50);
        assertThat(page.path("summary").path("changes").asLong()).isEqualTo(60);
        assertThat(page.path("nextCursor").asString()).isNotBlank();
    }

    @Test
    void anOffboardingWhoseMembershipsChangeBetweenPagesContinuesAfterTheLastItemShown() {
        String offboard = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}";
        List<String> before = allItems(portfolio.id(), offboard, 500).stream()
                .map(item -> item.path("accountId").asString())
                .toList();
        Answer first = preview(portfolio.id(), "?limit=2", offboard);
        // Meanwhile another job removes ann from the first account of the plan.
        jdbc.sql("DELETE FROM directory.memberships WHERE account_id = :account AND user_id = :user")
                .param("account", UUID.fromString(before.getFirst()))
                .param("user", ann)
                .update();

        Answer second = preview(
                portfolio.id(),
                "?limit=2&cursor=" + first.body().path("nextCursor").asString(),
                offboard);

        assertThat(second.body().path("items").values())
                .extracting(item -> item.path("accountId").asString())
                .containsExactly(before.get(2), before.get(3));
        assertThat(second.body().path("summary").path("changes").asLong()).isEqualTo(4);
    }

    @Test
    void aCursorWorksOnlyWithTheBodyItWasMadeFor() {
        String cursor = preview(portfolio.id(), "?limit=3", removeAll)
                .body()
                .path("nextCursor")
                .asString();
        String otherBody = removeAll.replace("REMOVE_ACCESS", "UPDATE_ROLES").replace("]}", "],\"role\":\"ADMIN\"}");

        Answer answer = preview(portfolio.id(), "?limit=3&cursor=" + cursor, otherBody);

        assertFieldProblem(answer, 400, "cursor");
        assertThat(answer.body().path("detail").asString()).contains("another request");
    }

    /**
     * While the internal token secret is rotated, a cursor made with the accepted secret's key (by a
     * gateway not rotated yet, or before the rotation) gives the same next page, with a cursor made
     * with the current key, as the current key's cursor; one made with any other secret is refused.
     */
    @Test
    void aCursorMadeWithTheAcceptedSecretGivesTheSameNextPage() {
        Answer first = preview(portfolio.id(), "?limit=3", removeAll);
        JsonNode last = first.body().path("items").get(2);
        Answer current = preview(
                portfolio.id(),
                "?limit=3&cursor=" + first.body().path("nextCursor").asString(),
                removeAll);

        Answer accepted = preview(
                portfolio.id(),
                "?limit=3&cursor=" + cursorAfter(last, 3, TestTokens.ACCEPTED_INTERNAL_SECRET),
                removeAll);
        Answer other = preview(
                portfolio.id(),
                "?limit=3&cursor=" + cursorAfter(last, 3, "another-gateway-secret-0123456789abcdefgh"),
                removeAll);

        assertThat(current.status()).as(current.text()).isEqualTo(200);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accepted.body()).isEqualTo(current.body());
        assertFieldProblem(other, 400, "cursor");
    }

    /** The cursor a gateway whose shared secret is {@code secret} makes after {@code item} of the plan of removeAll. */
    private String cursorAfter(JsonNode item, long position, String secret) {
        DerivedKeys.Key key =
                new DerivedKeys(secret, "").key(PreviewCursor.PURPOSE).current();
        ValidatedJobRequest request = JobRequestValidation.validate(new RemoveAccess(List.of(ann), accounts));
        PlannedTarget target = PreviewCursorTests.target(
                UUID.fromString(item.path("accountId").asString()),
                item.path("email").asString(),
                position);
        return PreviewCursor.after(target, PreviewCursor.planKey(portfolio.id(), request, key), key)
                .encode();
    }

    @Test
    void aLimitOrCursorThatCannotBeUsedIsABadRequestNamingIt() {
        assertFieldProblem(preview(portfolio.id(), "?limit=0", removeAll), 400, "limit");
        assertFieldProblem(preview(portfolio.id(), "?limit=501", removeAll), 400, "limit");
        assertFieldProblem(preview(portfolio.id(), "?limit=many", removeAll), 400, "limit");
        assertFieldProblem(preview(portfolio.id(), "?cursor=bm90LWEtY3Vyc29y", removeAll), 400, "cursor");
        assertThat(preview(portfolio.id(), "?limit=500", removeAll).status()).isEqualTo(200);
    }
}
