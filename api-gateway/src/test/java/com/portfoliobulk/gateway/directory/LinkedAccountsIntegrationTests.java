package com.portfoliobulk.gateway.directory;

import static com.portfoliobulk.gateway.directory.DirectoryCalls.accounts;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.directory.DirectoryCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class LinkedAccountsIntegrationTests extends DirectoryIntegrationTestSupport {

    @Test
    void listsThePortfoliosLinkedAccountsByNameWithOwnerAndMemberCount() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID bravo = portfolio.account("Bravo");
        UUID alpha = portfolio.account("Alpha");
        UUID charlie = portfolio.account("Charlie");
        UUID owner = portfolio.user("owner");
        UUID ann = portfolio.user("ann");
        portfolio.owner(alpha, owner).member(alpha, ann, AccountRole.ANALYST);
        portfolio.invited(
                bravo, ann, AccountRole.SUPPORT, java.time.Instant.now().plusSeconds(3600));
        DirectorySeed.Portfolio other = directory.portfolio();
        other.owner(other.account("Alpha"), other.user("owner"));
        directory.unlinkedAccount("Alpha");

        Answer answer = api.get(viewer(portfolio.id()), accounts(portfolio.id()));

        assertThat(answer.status()).isEqualTo(200);
        JsonNode items = answer.body().path("items");
        assertThat(items.values())
                .extracting(item -> item.path("accountId").asString())
                .containsExactly(alpha.toString(), bravo.toString(), charlie.toString());
        assertThat(items.get(0).path("name").asString()).isEqualTo("Alpha");
        assertThat(items.get(0).path("ownerEmail").asString()).isEqualTo(portfolio.email("owner"));
        assertThat(items.get(0).path("memberCount").asInt()).isEqualTo(2);
        assertThat(items.get(1).has("ownerEmail")).isFalse();
        assertThat(items.get(1).path("memberCount").asInt()).isEqualTo(1);
        assertThat(items.get(2).path("memberCount").asInt()).isZero();
        assertThat(answer.body().has("nextCursor")).isTrue();
        assertThat(answer.body().path("nextCursor").isNull()).isTrue();
    }

    /** An invitation whose expiry has passed is no access, also before the expiry sweep deletes it. */
    @Test
    void theMemberCountLeavesOutInvitationsThatExpired() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID bravo = portfolio.account("Bravo");
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        Instant expired = Instant.now().minus(1, ChronoUnit.HOURS);
        portfolio
                .member(alpha, ann, AccountRole.ANALYST)
                .invited(alpha, bob, AccountRole.SUPPORT, Instant.now().plus(1, ChronoUnit.HOURS))
                .invited(alpha, portfolio.user("carol"), AccountRole.SUPPORT, expired)
                .invited(bravo, ann, AccountRole.MANAGER, expired);

        Answer answer = api.get(viewer(portfolio.id()), accounts(portfolio.id()));

        assertThat(answer.body().path("items").values())
                .extracting(item -> item.path("name").asString() + ": "
                        + item.path("memberCount").asInt())
                .containsExactly("Alpha: 2", "Bravo: 0");
    }

    @Test
    void filtersByTextInTheNameIgnoringCase() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID berlin = portfolio.account("Brand Berlin");
        UUID oberhausen = portfolio.account("Oberhausen Store");
        portfolio.account("Brand Paris");

        Answer answer = api.get(viewer(portfolio.id()), accounts(portfolio.id()), "q", "BER");

        assertThat(answer.body().path("items").values())
                .extracting(item -> item.path("accountId").asString())
                .containsExactly(berlin.toString(), oberhausen.toString());
    }

    /**
     * A name finds its account however its accents were sent: "Café" typed with the accent apart (as
     * text pasted from macOS is) finds the account stored with it composed, and the other way round.
     * Each used to find nothing.
     */
    @Test
    void findsANameWhoseAccentsWereTypedOrStoredApart() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID composed = portfolio.account("Caf\u00e9 Berlin");
        UUID apart = portfolio.account("Cafe\u0301 Paris");
        portfolio.account("Cafeteria Rome");

        for (String typed : List.of("caf\u00e9", "CAFE\u0301")) {
            Answer answer = api.get(viewer(portfolio.id()), accounts(portfolio.id()), "q", typed);

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body().path("items").values())
                    .as(typed)
                    .extracting(item -> item.path("accountId").asString())
                    .containsExactlyInAnyOrder(composed.toString(), apart.toString());
        }
    }

    @Test
    void walksEveryPageWithoutDuplicatesOrGaps() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            // Equal names: the id breaks the tie, also across a page boundary.
            expected.add(portfolio.account(i <= 4 ? "Same name" : "Zulu " + i).toString());
        }
        String token = viewer(portfolio.id());

        List<Answer> pages = api.pages(token, accounts(portfolio.id()), "limit", 3);

        List<Integer> pageSizes =
                pages.stream().map(page -> page.body().path("items").size()).toList();
        List<String> walked = pages.stream()
                .flatMap(page -> page.body().path("items").values().stream())
                .map(item -> item.path("accountId").asString())
                .toList();
        assertThat(pageSizes).containsExactly(3, 3, 1);
        assertThat(walked).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        Answer all = api.get(token, accounts(portfolio.id()), "limit", 500);
        assertThat(walked)
                .containsExactlyElementsOf(all.body().path("items").values().stream()
                        .map(item -> item.path("accountId").asString())
                        .toList());
    }

    @Test
    void aCursorNamesTheLastAccountButCarriesNoNameAndAnUnlinkedOneStillMarksThePlace() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID jane = portfolio.account("Jane Doe");
        UUID janet = portfolio.account("Jane Doe Studio");
        UUID zoe = portfolio.account("Zoe Smith");
        String token = viewer(portfolio.id());

        Answer first = api.get(token, accounts(portfolio.id()), "limit", 1);
        String cursor = first.body().path("nextCursor").asString();
        directory.unlink(jane);
        Answer second = api.get(token, accounts(portfolio.id()), "limit", 1, "cursor", cursor);
        Answer third = api.get(
                token,
                accounts(portfolio.id()),
                "limit",
                1,
                "cursor",
                second.body().path("nextCursor").asString());

        assertThat(DirectoryCalls.decoded(cursor))
                .doesNotContain("Jane")
                .matches(DirectoryCalls.itemCursorPattern(Cursor.list("accounts", portfolio.id()), jane));
        assertThat(second.body().path("items").get(0).path("accountId").asString())
                .isEqualTo(janet.toString());
        assertThat(third.body().path("items").get(0).path("accountId").asString())
                .isEqualTo(zoe.toString());
        assertThat(third.body().path("nextCursor").isNull()).isTrue();
        assertInvalidParameter(
                api.get(
                        token,
                        accounts(portfolio.id()),
                        "cursor",
                        Cursor.of(Cursor.list("accounts", portfolio.id()), UUID.randomUUID())
                                .encode()),
                "cursor");
        // The product never deletes an account; should one go, its cursors lead nowhere.
        jdbc.sql("DELETE FROM directory.accounts WHERE id = :jane")
                .param("jane", jane)
                .update();
        Answer gone = api.get(token, accounts(portfolio.id()), "limit", 1, "cursor", cursor);
        assertInvalidParameter(gone, "cursor");
        assertThat(gone.body().path("errors").get(0).path("message").asString()).contains("no longer exists");
    }

    @Test
    void anExistingPortfolioWithoutAccountsHasAnEmptyList() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();

        Answer answer = api.get(viewer(portfolio.id()), accounts(portfolio.id()));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().path("items").values()).isEmpty();
    }

    @Test
    void aPortfolioThatDoesNotExistIsNotFound() {
        UUID missing = UUID.randomUUID();

        assertProblem(api.get(viewer(missing), accounts(missing)), 404);
    }

    @Test
    void needsAPermissionOnThePortfolio() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        portfolio.account("Alpha");

        assertThat(api.get(outsider(), accounts(portfolio.id())).status()).isEqualTo(403);
        assertThat(api.get(null, accounts(portfolio.id())).status()).isEqualTo(401);
    }

    @Test
    void rejectsUnusableParametersNamingThem() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String token = viewer(portfolio.id());

        assertInvalidParameter(api.get(token, accounts(portfolio.id()), "limit", 0), "limit");
        assertInvalidParameter(api.get(token, accounts(portfolio.id()), "limit", 501), "limit");
        assertInvalidParameter(api.get(token, accounts(portfolio.id()), "cursor", "not-a-cursor"), "cursor");
        assertInvalidParameter(api.get(token, accounts(portfolio.id()), "q", "x".repeat(201)), "q");
        Answer notAUuid = api.get(token, "/api/v1/portfolios/not-a-uuid/accounts");
        assertProblem(notAUuid, 400);
        assertThat(notAUuid.body().path("detail").asString()).contains("portfolioId");
    }
}
