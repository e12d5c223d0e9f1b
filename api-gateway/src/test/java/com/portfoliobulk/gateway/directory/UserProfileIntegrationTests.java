package com.portfoliobulk.gateway.directory;

import static com.portfoliobulk.gateway.directory.DirectoryCalls.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.directory.DirectoryCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class UserProfileIntegrationTests extends DirectoryIntegrationTestSupport {

    @Test
    void showsEveryLinkedAccountWithTheUsersAccessThere() {
        Instant expiresAt = Instant.now().plus(3, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID charlie = portfolio.account("Charlie");
        UUID alpha = portfolio.account("Alpha");
        UUID bravo = portfolio.account("Bravo");
        UUID ann = portfolio.idpManagedUser("ann");
        portfolio.member(alpha, ann, AccountRole.MANAGER).invited(bravo, ann, AccountRole.SUPPORT, expiresAt);
        DirectorySeed.Portfolio other = directory.portfolio();
        other.member(other.account("Alpha elsewhere"), ann, AccountRole.ADMIN);

        Answer answer = api.get(viewer(portfolio.id()), user(portfolio.id(), ann));

        assertThat(answer.status()).isEqualTo(200);
        JsonNode profile = answer.body();
        assertThat(profile.path("userId").asString()).isEqualTo(ann.toString());
        assertThat(profile.path("email").asString()).isEqualTo(portfolio.email("ann"));
        assertThat(profile.path("idpManaged").asBoolean()).isTrue();
        List<JsonNode> accounts = List.copyOf(profile.path("items").values());
        assertThat(accounts)
                .extracting(a -> a.path("accountId").asString())
                .containsExactly(alpha.toString(), bravo.toString(), charlie.toString());
        assertThat(accounts)
                .extracting(a -> a.path("accountName").asString())
                .containsExactly("Alpha", "Bravo", "Charlie");
        assertThat(accounts)
                .extracting(a -> a.path("access").asString())
                .containsExactly("ACTIVE", "INVITED", "NO_ACCESS");
        assertThat(accounts.get(0).path("role").asString()).isEqualTo("MANAGER");
        assertThat(accounts.get(0).path("state").asString()).isEqualTo("ACTIVE");
        assertThat(accounts.get(1).path("role").asString()).isEqualTo("SUPPORT");
        assertThat(Instant.parse(accounts.get(1).path("expiresAt").asString())).isEqualTo(expiresAt);
        assertThat(accounts.get(2).has("role")).isTrue();
        assertThat(accounts.get(2).path("role").isNull()).isTrue();
        assertThat(accounts.get(2).path("state").isNull()).isTrue();
        assertThat(profile.path("nextCursor").isNull()).isTrue();
    }

    /**
     * An invitation whose expiry has passed is no access, also before the expiry sweep deletes it: its
     * account shows no access (so the console offers an invitation there, not a role change that would
     * be skipped NOT_A_MEMBER), and a user whose only invitations expired is no user of the portfolio.
     */
    @Test
    void anAccountWhereTheInvitationExpiredIsNoAccessAndAUserWithOnlyExpiredInvitationsIsNotFound() {
        Instant expired = Instant.now().minus(1, ChronoUnit.HOURS);
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID bravo = portfolio.account("Bravo");
        UUID charlie = portfolio.account("Charlie");
        UUID ann = portfolio.user("ann");
        UUID erin = portfolio.user("erin");
        portfolio
                .member(alpha, ann, AccountRole.MANAGER)
                .invited(bravo, ann, AccountRole.SUPPORT, Instant.now().plus(1, ChronoUnit.HOURS))
                .invited(charlie, ann, AccountRole.ANALYST, expired)
                .invited(alpha, erin, AccountRole.ANALYST, expired)
                .invited(charlie, erin, AccountRole.SUPPORT, expired);
        String token = viewer(portfolio.id());

        Answer answer = api.get(token, user(portfolio.id(), ann));

        assertThat(answer.status()).isEqualTo(200);
        List<JsonNode> accounts = List.copyOf(answer.body().path("items").values());
        assertThat(accounts)
                .extracting(a -> a.path("access").asString())
                .containsExactly("ACTIVE", "INVITED", "NO_ACCESS");
        assertThat(accounts.get(2).path("role").isNull()).isTrue();
        assertThat(accounts.get(2).path("state").isNull()).isTrue();
        assertThat(accounts.get(2).path("expiresAt").isMissingNode()).isTrue();
        assertProblem(api.get(token, user(portfolio.id(), erin)), 404);
    }

    @Test
    void pagesThroughTheAccountsOfABigPortfolio() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        portfolio.generate(45, 3, 10);
        UUID staff = jdbc.sql("SELECT id FROM directory.users WHERE email = :email")
                .param("email", "staff-000003." + portfolio.tag() + "@example.test")
                .query(UUID.class)
                .single();
        String token = viewer(portfolio.id());

        List<JsonNode> accounts = api.pages(token, user(portfolio.id(), staff), "limit", 20).stream()
                .flatMap(page -> page.body().path("items").values().stream())
                .toList();

        List<String> names = accounts.stream()
                .map(account -> account.path("accountName").asString())
                .toList();
        long withAccess = accounts.stream()
                .filter(account -> !account.path("access").asString().equals("NO_ACCESS"))
                .count();
        assertThat(names).hasSize(45).doesNotHaveDuplicates().isSorted();
        // Staff user 3 of 10 is drawn where i + k = 3 (mod 10) with k = 0 or 1: accounts 2, 3, 12, 13, ... 43.
        assertThat(withAccess).isEqualTo(10);
    }

    /**
     * In a portfolio of 120 accounts, staff user 3 has a membership in 24: with {@code
     * access=MEMBERSHIP} the profile lists those 24 alone, page after page, instead of 120 accounts
     * where 96 are "No access"; a cursor of one list is refused by the other.
     */
    @Test
    void accessMembershipListsOnlyTheAccountsWhereTheUserHasAMembershipOnEveryPage() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        portfolio.generate(120, 3, 10);
        UUID staff = jdbc.sql("SELECT id FROM directory.users WHERE email = :email")
                .param("email", "staff-000003." + portfolio.tag() + "@example.test")
                .query(UUID.class)
                .single();
        String token = viewer(portfolio.id());

        List<Answer> pages = api.pages(token, user(portfolio.id(), staff), "access", "MEMBERSHIP", "limit", 5);
        List<JsonNode> accounts = pages.stream()
                .flatMap(page -> page.body().path("items").values().stream())
                .toList();

        // Drawn where i + k = 3 (mod 10) with k = 0 or 1: accounts 2, 3, 12, 13, ... 113.
        assertThat(pages).hasSize(5);
        assertThat(accounts)
                .extracting(account -> account.path("accountName").asString())
                .hasSize(24)
                .doesNotHaveDuplicates()
                .isSorted()
                .allMatch(name -> name.endsWith("2") || name.endsWith("3"));
        assertThat(accounts)
                .extracting(account -> account.path("access").asString())
                .doesNotContain("NO_ACCESS");
        String membershipsCursor = pages.getFirst().body().path("nextCursor").asString();
        String allCursor = api.get(token, user(portfolio.id(), staff), "limit", 5)
                .body()
                .path("nextCursor")
                .asString();
        assertInvalidParameter(
                api.get(token, user(portfolio.id(), staff), "access", "MEMBERSHIP", "cursor", allCursor), "cursor");
        assertInvalidParameter(api.get(token, user(portfolio.id(), staff), "cursor", membershipsCursor), "cursor");
        assertThat(api.get(token, user(portfolio.id(), staff), "access", "ALL", "limit", 200)
                        .body()
                        .path("items")
                        .size())
                .isEqualTo(120);
    }

    @Test
    void aCursorNamesTheLastAccountButCarriesNoNameAndAnUnlinkedOneStillMarksThePlace() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Jane Doe Photography");
        UUID bravo = portfolio.account("Jane Doe Studio");
        UUID charlie = portfolio.account("Zoe Smith");
        UUID ann = portfolio.user("ann");
        portfolio.member(charlie, ann, AccountRole.ANALYST);
        String token = viewer(portfolio.id());

        Answer first = api.get(token, user(portfolio.id(), ann), "limit", 1);
        String cursor = first.body().path("nextCursor").asString();
        directory.unlink(alpha);
        Answer next = api.get(token, user(portfolio.id(), ann), "limit", 1, "cursor", cursor);

        assertThat(first.body().path("items").get(0).path("accountId").asString())
                .isEqualTo(alpha.toString());
        assertThat(DirectoryCalls.decoded(cursor))
                .doesNotContain("Jane")
                .matches(DirectoryCalls.itemCursorPattern(Cursor.list("profile-accounts", portfolio.id(), ann), alpha));
        assertThat(next.body().path("items").values())
                .extracting(a -> a.path("accountId").asString())
                .containsExactly(bravo.toString());
        assertInvalidParameter(
                api.get(
                        token,
                        user(portfolio.id(), ann),
                        "cursor",
                        Cursor.of(Cursor.list("profile-accounts", portfolio.id(), ann), ann)
                                .encode()),
                "cursor");
    }

    @Test
    void someoneWhoIsNotAUserOfThePortfolioIsNotFound() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        portfolio.account("Alpha");
        UUID nobody = portfolio.user("nobody");
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID othersUser = other.user("theirs");
        other.member(other.account("Theirs"), othersUser, AccountRole.ADMIN);
        UUID unlinkedUser = portfolio.user("unlinked");
        portfolio.member(directory.unlinkedAccount("Loose"), unlinkedUser, AccountRole.ADMIN);
        String token = viewer(portfolio.id());

        assertProblem(api.get(token, user(portfolio.id(), othersUser)), 404);
        assertProblem(api.get(token, user(portfolio.id(), nobody)), 404);
        assertProblem(api.get(token, user(portfolio.id(), unlinkedUser)), 404);
        assertProblem(api.get(token, user(portfolio.id(), UUID.randomUUID())), 404);
    }

    @Test
    void readersWithViewPermissionOnlyMayRead() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Alpha"), ann, AccountRole.ANALYST);

        assertThat(api.get(viewer(portfolio.id()), user(portfolio.id(), ann)).status())
                .isEqualTo(200);
        assertThat(api.get(outsider(), user(portfolio.id(), ann)).status()).isEqualTo(403);
        assertThat(api.get(null, user(portfolio.id(), ann)).status()).isEqualTo(401);
    }

    @Test
    void rejectsUnusableParametersNamingThem() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Alpha"), ann, AccountRole.ANALYST);
        String token = viewer(portfolio.id());

        Answer notAUuid = api.get(token, user(portfolio.id(), "ann"));
        assertProblem(notAUuid, 400);
        assertThat(notAUuid.body().path("detail").asString()).contains("userId");
        assertInvalidParameter(api.get(token, user(portfolio.id(), ann), "limit", 0), "limit");
        assertInvalidParameter(api.get(token, user(portfolio.id(), ann), "cursor", "%%%"), "cursor");
        assertInvalidParameter(api.get(token, user(portfolio.id(), ann), "access", "MEMBER"), "access");
    }
}
