package com.portfoliobulk.gateway.directory;

import static com.portfoliobulk.gateway.directory.DirectoryCalls.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.directory.DirectoryCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PortfolioUsersIntegrationTests extends DirectoryIntegrationTestSupport {

    private final Instant expiresAt = Instant.now().plus(7, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    private DirectorySeed.Portfolio portfolio;

    private UUID alpha;

    private UUID bravo;

    private UUID ann;

    private UUID bob;

    private UUID carol;

    private String token;

    /**
     * Alpha: bob Owner, ann Admin. Bravo: ann invited as Analyst, carol Support. Another portfolio's
     * account and an unlinked one also hold ann, and dave, who is nobody here.
     */
    @BeforeEach
    void seed() {
        portfolio = directory.portfolio();
        alpha = portfolio.account("Alpha");
        bravo = portfolio.account("Bravo");
        ann = portfolio.user("ann");
        bob = portfolio.user("bob");
        carol = portfolio.idpManagedUser("carol");
        UUID dave = portfolio.user("dave");
        portfolio.owner(alpha, bob).member(alpha, ann, AccountRole.ADMIN);
        portfolio.invited(bravo, ann, AccountRole.ANALYST, expiresAt).member(bravo, carol, AccountRole.SUPPORT);
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID elsewhere = other.account("Alpha");
        other.member(elsewhere, ann, AccountRole.MANAGER).member(elsewhere, dave, AccountRole.MANAGER);
        UUID unlinked = directory.unlinkedAccount("Unlinked");
        portfolio.member(unlinked, ann, AccountRole.CONTENT_CREATOR).member(unlinked, dave, AccountRole.ANALYST);
        token = viewer(portfolio.id());
    }

    @Test
    void listsEveryUserOfTheLinkedAccountsWithAllTheirMembershipsThere() {
        Answer answer = api.get(token, users(portfolio.id()));

        assertThat(answer.status()).isEqualTo(200);
        JsonNode items = answer.body().path("items");
        assertThat(emails(answer))
                .containsExactly(portfolio.email("ann"), portfolio.email("bob"), portfolio.email("carol"));
        JsonNode annItem = items.get(0);
        assertThat(annItem.path("userId").asString()).isEqualTo(ann.toString());
        assertThat(annItem.path("idpManaged").asBoolean()).isFalse();
        JsonNode annAlpha = annItem.path("memberships").get(0);
        assertThat(annAlpha.path("accountId").asString()).isEqualTo(alpha.toString());
        assertThat(annAlpha.path("accountName").asString()).isEqualTo("Alpha");
        assertThat(annAlpha.path("role").asString()).isEqualTo("ADMIN");
        assertThat(annAlpha.path("state").asString()).isEqualTo("ACTIVE");
        assertThat(annAlpha.has("expiresAt")).isFalse();
        JsonNode annBravo = annItem.path("memberships").get(1);
        assertThat(annBravo.path("accountId").asString()).isEqualTo(bravo.toString());
        assertThat(annBravo.path("role").asString()).isEqualTo("ANALYST");
        assertThat(annBravo.path("state").asString()).isEqualTo("INVITED");
        assertThat(Instant.parse(annBravo.path("expiresAt").asString())).isEqualTo(expiresAt);
        assertThat(annItem.path("memberships").size()).isEqualTo(2);
        assertThat(items.get(1).path("memberships").values())
                .extracting(m -> m.path("role").asString())
                .containsExactly("OWNER");
        assertThat(items.get(2).path("userId").asString()).isEqualTo(carol.toString());
        assertThat(items.get(2).path("idpManaged").asBoolean()).isTrue();
        assertThat(answer.body().path("nextCursor").isNull()).isTrue();
    }

    @Test
    void filtersByTextAnywhereInTheEmailIgnoringCase() {
        assertThat(emails(api.get(
                        token,
                        users(portfolio.id()),
                        "q",
                        "NN." + portfolio.tag().toUpperCase())))
                .containsExactly(portfolio.email("ann"));
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "@EXAMPLE.test")))
                .containsExactly(portfolio.email("ann"), portfolio.email("bob"), portfolio.email("carol"));
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "dave"))).isEmpty();
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "%"))).isEmpty();
    }

    @Test
    void filtersByRoleOnAnyLinkedAccountAndStillListsAllMemberships() {
        Answer analysts = api.get(token, users(portfolio.id()), "role", "analyst");

        assertThat(emails(analysts)).containsExactly(portfolio.email("ann"));
        assertThat(analysts.body().path("items").get(0).path("memberships").values())
                .extracting(m -> m.path("role").asString())
                .containsExactly("ADMIN", "ANALYST");
        assertThat(emails(api.get(token, users(portfolio.id()), "role", "OWNER")))
                .containsExactly(portfolio.email("bob"));
        // Manager and Content creator are ann's roles outside the portfolio only.
        assertThat(emails(api.get(token, users(portfolio.id()), "role", "MANAGER")))
                .isEmpty();
        assertThat(emails(api.get(token, users(portfolio.id()), "role", "CONTENT_CREATOR")))
                .isEmpty();
    }

    @Test
    void filtersByAccountAndStillListsAllMemberships() {
        Answer onBravo = api.get(token, users(portfolio.id()), "accountId", bravo);

        assertThat(emails(onBravo)).containsExactly(portfolio.email("ann"), portfolio.email("carol"));
        assertThat(onBravo.body().path("items").get(0).path("memberships").size())
                .isEqualTo(2);
    }

    @Test
    void combinesTheFilters() {
        assertThat(emails(api.get(token, users(portfolio.id()), "accountId", alpha, "role", "ADMIN", "q", "ann")))
                .containsExactly(portfolio.email("ann"));
        assertThat(emails(api.get(token, users(portfolio.id()), "accountId", alpha, "role", "SUPPORT")))
                .isEmpty();
        // The role on that account: ann is Admin on Alpha and invited as Analyst on Bravo.
        assertThat(emails(api.get(token, users(portfolio.id()), "accountId", alpha, "role", "ANALYST")))
                .isEmpty();
        assertThat(emails(api.get(token, users(portfolio.id()), "accountId", bravo, "role", "ANALYST")))
                .containsExactly(portfolio.email("ann"));
    }

    @Test
    void anAccountThatIsNotLinkedToThePortfolioIsNotFound() {
        UUID othersAccount = directory.portfolio().account("Elsewhere");

        assertProblem(api.get(token, users(portfolio.id()), "accountId", othersAccount), 404);
        assertProblem(api.get(token, users(portfolio.id()), "accountId", UUID.randomUUID()), 404);
        assertProblem(api.get(token, users(portfolio.id()), "accountId", directory.unlinkedAccount("Loose")), 404);
    }

    @Test
    void walksEveryPageOfABigPortfolioWithoutDuplicatesOrGaps() {
        DirectorySeed.Portfolio big = directory.portfolio();
        DirectorySeed.Generated generated = big.generate(60, 5, 30);
        String bigToken = viewer(big.id());

        List<Answer> pages = api.pages(bigToken, users(big.id()), "limit", 7);

        List<String> walked =
                pages.stream().flatMap(page -> emails(page).stream()).toList();
        Set<String> memberships = new HashSet<>();
        for (Answer page : pages) {
            assertThat(page.body().path("items").size()).isBetween(1, 7);
            for (JsonNode user : page.body().path("items").values()) {
                user.path("memberships")
                        .values()
                        .forEach(m -> memberships.add(user.path("userId").asString() + "/"
                                + m.path("accountId").asString()));
            }
        }

        assertThat(walked)
                .hasSize(generated.users())
                .doesNotHaveDuplicates()
                .allMatch(email -> email.contains(big.tag()));
        assertThat(pages).hasSize((generated.users() + 6) / 7);
        assertThat(memberships).hasSize(generated.memberships());
        assertThat(walked).containsExactlyElementsOf(emails(api.get(bigToken, users(big.id()), "limit", 500)));
    }

    @Test
    void pagesFilteredListsToo() {
        DirectorySeed.Portfolio big = directory.portfolio();
        // 13 staff users (not a multiple of the 6 roles): staff users hold several roles.
        big.generate(30, 4, 13);
        String bigToken = viewer(big.id());
        List<String> expected = emails(api.get(bigToken, users(big.id()), "role", "MANAGER", "limit", 500));

        List<String> walked = api.pages(bigToken, users(big.id()), "role", "MANAGER", "limit", 2).stream()
                .flatMap(page -> emails(page).stream())
                .toList();

        assertThat(expected).hasSize(6).allMatch(email -> email.startsWith("staff-"));
        assertThat(walked).containsExactlyElementsOf(expected);
    }

    @Test
    void aCursorNamesTheLastUserButCarriesNoAddressAndPagingVisitsEveryUserOnceInOrder() {
        // Addresses that begin alike: the order is decided late in the address, then by id.
        UUID annMarie = portfolio.user("ann-marie");
        UUID anna = portfolio.user("anna");
        UUID an = portfolio.user("an");
        for (UUID user : List.of(annMarie, anna, an)) {
            portfolio.member(bravo, user, AccountRole.ANALYST);
        }
        List<String> all = emails(api.get(token, users(portfolio.id()), "limit", 500));

        List<Answer> pages = api.pages(token, users(portfolio.id()), "limit", 1);

        assertThat(all).hasSize(6);
        assertThat(pages.stream().flatMap(page -> emails(page).stream())).containsExactlyElementsOf(all);
        for (Answer page : pages.subList(0, pages.size() - 1)) {
            String cursor = page.body().path("nextCursor").asString();
            String last = page.body().path("items").get(0).path("email").asString();
            String carried = DirectoryCalls.decoded(cursor);
            assertThat(carried)
                    .doesNotContain(last)
                    .doesNotContain(last.substring(0, last.indexOf('@')))
                    .doesNotContain("@")
                    .isEqualTo(Cursor.list("users", portfolio.id()) + "|"
                            + page.body().path("items").get(0).path("userId").asString());
        }
    }

    @Test
    void aUserWhoLeftThePortfolioBetweenPagesStillMarksWhereTheNextPageStarts() {
        Answer first = api.get(token, users(portfolio.id()), "limit", 1);
        assertThat(emails(first)).containsExactly(portfolio.email("ann"));
        // ann loses every membership in the portfolio's accounts: she is no user of it any more.
        jdbc.sql("DELETE FROM directory.memberships WHERE user_id = :ann AND account_id IN (:alpha, :bravo)")
                .param("ann", ann)
                .param("alpha", alpha)
                .param("bravo", bravo)
                .update();

        Answer next = api.get(
                token,
                users(portfolio.id()),
                "limit",
                1,
                "cursor",
                first.body().path("nextCursor").asString());

        assertThat(emails(next)).containsExactly(portfolio.email("bob"));
    }

    @Test
    void aCursorNamingAUserWhoNoLongerExistsAsksTheClientToStartAgain() {
        Answer first = api.get(token, users(portfolio.id()), "limit", 2);
        assertThat(emails(first)).containsExactly(portfolio.email("ann"), portfolio.email("bob"));
        // The product never deletes a directory user; should one go, its cursors lead nowhere.
        jdbc.sql("DELETE FROM directory.memberships WHERE user_id = :bob")
                .param("bob", bob)
                .update();
        jdbc.sql("DELETE FROM directory.users WHERE id = :bob")
                .param("bob", bob)
                .update();

        Answer gone = api.get(
                token,
                users(portfolio.id()),
                "limit",
                2,
                "cursor",
                first.body().path("nextCursor").asString());

        assertInvalidParameter(gone, "cursor");
        assertThat(gone.body().path("errors").get(0).path("message").asString())
                .contains("no longer exists")
                .contains("start again");
    }

    @Test
    void aTamperedCursorIsRefusedNamingIt() {
        String cursor = api.get(token, users(portfolio.id()), "limit", 1)
                .body()
                .path("nextCursor")
                .asString();
        String unknownUser = Cursor.ofItem(Cursor.list("users", portfolio.id()), UUID.randomUUID())
                .encode();
        String addressInstead = Cursor.of(Cursor.list("users", portfolio.id()), portfolio.email("ann"), ann)
                .encode();

        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", cursor + "x"), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", unknownUser), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", addressInstead), "cursor");
        assertInvalidParameter(
                api.get(
                        token,
                        users(portfolio.id()),
                        "cursor",
                        Cursor.ofItem(Cursor.list("accounts", portfolio.id()), ann)
                                .encode()),
                "cursor");
    }

    @Test
    void anyPermissionOnThePortfolioMayReadAndNothingElse() {
        UUID caller = UUID.randomUUID();
        for (String permission : List.of("USER_MANAGEMENT_VIEW", "USER_MANAGEMENT_EDIT", "OWNER")) {
            String granted = TestTokens.token(caller, "reader@agency.test", portfolio.id(), permission);
            assertThat(api.get(granted, users(portfolio.id())).status())
                    .as(permission)
                    .isEqualTo(200);
        }
        String nothingGranted = TestTokens.token(caller, "reader@agency.test", portfolio.id());
        assertThat(api.get(nothingGranted, users(portfolio.id())).status()).isEqualTo(403);
        assertThat(api.get(outsider(), users(portfolio.id())).status()).isEqualTo(403);
        assertThat(api.get(null, users(portfolio.id())).status()).isEqualTo(401);
    }

    @Test
    void aPortfolioThatDoesNotExistIsNotFound() {
        UUID missing = UUID.randomUUID();

        assertProblem(api.get(viewer(missing), users(missing)), 404);
    }

    @Test
    void rejectsUnusableParametersNamingThem() {
        Answer unknownRole = api.get(token, users(portfolio.id()), "role", "BOSS");
        assertInvalidParameter(unknownRole, "role");
        assertThat(unknownRole.body().path("detail").asString())
                .contains("BOSS")
                .contains(AccountRole.standardCodes());
        assertInvalidParameter(api.get(token, users(portfolio.id()), "limit", 501), "limit");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "limit", -1), "limit");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", "bm90IGEgY3Vyc29y"), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "q", "x".repeat(255)), "q");
        Answer notAUuid = api.get(token, users(portfolio.id()), "accountId", "alpha");
        assertProblem(notAUuid, 400);
        assertThat(notAUuid.body().path("detail").asString()).contains("accountId");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "limit", "ten"), "limit");
    }

    private static List<String> emails(Answer answer) {
        assertThat(answer.status()).isEqualTo(200);
        return answer.body().path("items").values().stream()
                .map(item -> item.path("email").asString())
                .toList();
    }
}
