package com.portfoliobulk.gateway.directory;

import static com.portfoliobulk.gateway.directory.DirectoryCalls.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.directory.DirectoryCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.ExecutionInfo;
import net.ttddyy.dsproxy.QueryInfo;
import net.ttddyy.dsproxy.listener.ChainListener;
import net.ttddyy.dsproxy.listener.QueryExecutionListener;
import net.ttddyy.dsproxy.proxy.ParameterSetOperation;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class PortfolioUsersIntegrationTests extends DirectoryIntegrationTestSupport {

    @Autowired
    private DataSource dataSource;

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
        assertThat(annItem.path("membershipCount").asInt()).isEqualTo(2);
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

    /**
     * Addresses are kept with their domain in its ASCII (xn--) form: a domain's labels typed in Unicode,
     * as the administrator reads them, find it. They found nobody.
     */
    @Test
    void filtersByADomainTypedInUnicodeAsItIsKept() {
        String zoe = "zoe." + portfolio.tag() + "@xn--mller-kva.example";
        portfolio.member(alpha, directory.user(zoe, false), AccountRole.ANALYST);

        assertThat(emails(api.get(token, users(portfolio.id()), "q", "@Müller.example")))
                .containsExactly(zoe);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "müller"))).containsExactly(zoe);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "xn--mller-kva")))
                .containsExactly(zoe);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "zoe." + portfolio.tag() + "@müller.example")))
                .containsExactly(zoe);
    }

    /**
     * An address stored before the rule that keeps domains in their xn-- form may hold its domain, or
     * its name, in Unicode: the text as typed still finds it, as it did before the rule.
     */
    @Test
    void findsAnAddressStoredBeforeTheRuleWithItsUnicodeAsTyped() {
        String konig = "k\u00f6nig." + portfolio.tag() + "@brand.example";
        String anna = "anna." + portfolio.tag() + "@m\u00fcller.de";
        portfolio.member(alpha, directory.user(konig, false), AccountRole.ANALYST);
        portfolio.member(alpha, directory.user(anna, false), AccountRole.ANALYST);

        assertThat(emails(api.get(token, users(portfolio.id()), "q", "k\u00f6")))
                .containsExactly(konig);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "K\u00d6NIG." + portfolio.tag())))
                .containsExactly(konig);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "m\u00fcller.de")))
                .containsExactly(anna);
        assertThat(emails(api.get(token, users(portfolio.id()), "q", "@M\u00fcller.DE")))
                .containsExactly(anna);
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
    void listsAtMostTwentyMembershipsOfAUserByAccountNameAndCountsThemAll() {
        DirectorySeed.Portfolio wide = directory.portfolio();
        UUID everywhere = wide.user("everywhere");
        UUID once = wide.user("once");
        // Accounts 000001 to 000025, the user with access to every one.
        wide.generateAccountsWithMember(25, everywhere, AccountRole.ANALYST);
        wide.member(account(wide, 7), once, AccountRole.SUPPORT);
        String wideToken = viewer(wide.id());

        Answer answer = api.get(wideToken, users(wide.id()), "limit", 500);

        assertThat(emails(answer)).containsExactly(wide.email("everywhere"), wide.email("once"));
        JsonNode listed = answer.body().path("items").get(0);
        assertThat(accountNames(listed)).containsExactlyElementsOf(accountNames(1, 20));
        assertThat(listed.path("membershipCount").asInt()).isEqualTo(25);
        JsonNode single = answer.body().path("items").get(1);
        assertThat(accountNames(single)).containsExactly("Account 000007");
        assertThat(single.path("membershipCount").asInt()).isEqualTo(1);
    }

    @Test
    void theStatementOfAPageReadsTheListedMembershipsOnly() throws Exception {
        DirectorySeed.Portfolio wide = directory.portfolio();
        List<UUID> accounts = wide.accounts(25);
        for (String name : List.of("one", "two", "three")) {
            UUID user = wide.user(name);
            accounts.forEach(account -> wide.member(account, user, AccountRole.ANALYST));
        }
        String wideToken = viewer(wide.id());

        QueryInfo statement = usersStatementOf(() -> api.get(wideToken, users(wide.id()), "limit", 500));

        // 20 rows for each of the three users, not 25: what the driver buffers is bounded by the page.
        assertThat(rowsOf(statement)).isEqualTo(3 * 20);
    }

    @Test
    void aFilteredUserWithMoreMembershipsThanListedShowsTheOnesTheFilterAsksAbout() {
        DirectorySeed.Portfolio wide = directory.portfolio();
        UUID everywhere = wide.user("everywhere");
        wide.generateAccountsWithMember(25, everywhere, AccountRole.ANALYST);
        jdbc.sql("UPDATE directory.memberships SET role = 'MANAGER' WHERE user_id = :user AND account_id IN (:ids)")
                .param("user", everywhere)
                .param("ids", List.of(account(wide, 3), account(wide, 23), account(wide, 25)))
                .update();
        String wideToken = viewer(wide.id());

        JsonNode byAccount = api.get(wideToken, users(wide.id()), "accountId", account(wide, 24))
                .body()
                .path("items")
                .get(0);
        JsonNode byRole = api.get(wideToken, users(wide.id()), "role", "MANAGER")
                .body()
                .path("items")
                .get(0);
        JsonNode byBoth = api.get(wideToken, users(wide.id()), "role", "MANAGER", "accountId", account(wide, 25))
                .body()
                .path("items")
                .get(0);

        // The filtered account first, then the first others by name; listed by name.
        List<String> firstNineteen = accountNames(1, 19);
        assertThat(accountNames(byAccount)).containsExactlyElementsOf(with(firstNineteen, "Account 000024"));
        assertThat(accountNames(byRole))
                .containsExactlyElementsOf(with(accountNames(1, 18), "Account 000023", "Account 000025"));
        assertThat(accountNames(byBoth)).containsExactlyElementsOf(with(firstNineteen, "Account 000025"));
        assertThat(List.of(byAccount, byRole, byBoth))
                .allSatisfy(
                        user -> assertThat(user.path("membershipCount").asInt()).isEqualTo(25));
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

    /**
     * An invitation whose expiry has passed is no access from then on, also before the bulk-worker's
     * expiry sweep deletes it: it was listed as pending (with an expiry in the past), counted and
     * matched by the filters, and kept a user whose only invitations had expired in the list.
     */
    @Test
    void anExpiredInvitationNotYetSweptIsNeitherListedNorCountedNorMatched() {
        UUID charlie = portfolio.account("Charlie");
        UUID erin = portfolio.user("erin");
        Instant expired = Instant.now().minus(1, ChronoUnit.HOURS);
        // ann: Admin on Alpha, invited as Analyst on Bravo (pending) and as Manager on Charlie (expired).
        portfolio
                .invited(charlie, ann, AccountRole.MANAGER, expired)
                .invited(charlie, erin, AccountRole.SUPPORT, expired);

        Answer all = api.get(token, users(portfolio.id()));

        assertThat(emails(all))
                .containsExactly(portfolio.email("ann"), portfolio.email("bob"), portfolio.email("carol"));
        JsonNode annItem = all.body().path("items").get(0);
        assertThat(accountNames(annItem)).containsExactly("Alpha", "Bravo");
        assertThat(annItem.path("membershipCount").asInt()).isEqualTo(2);
        assertThat(emails(api.get(token, users(portfolio.id()), "role", "MANAGER")))
                .isEmpty();
        assertThat(emails(api.get(token, users(portfolio.id()), "accountId", charlie)))
                .isEmpty();
        assertThat(emails(api.get(token, users(portfolio.id()), "role", "ANALYST")))
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
                    .matches(DirectoryCalls.itemCursorPattern(
                            Cursor.list("users", portfolio.id()),
                            UUID.fromString(page.body()
                                    .path("items")
                                    .get(0)
                                    .path("userId")
                                    .asString())));
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
        String unknownUser = Cursor.of(Cursor.list("users", portfolio.id()), UUID.randomUUID())
                .encode();
        String anotherUser = Cursor.of(Cursor.list("users", portfolio.id()), bob, DirectoryCalls.signature(cursor))
                .encode();
        String addressInstead = Cursor.of(Cursor.list("users", portfolio.id()), portfolio.email("ann"), ann)
                .encode();

        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", cursor + "x"), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", unknownUser), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", addressInstead), "cursor");
        assertInvalidParameter(api.get(token, users(portfolio.id()), "cursor", anotherUser), "cursor");
        assertInvalidParameter(
                api.get(
                        token,
                        users(portfolio.id()),
                        "cursor",
                        Cursor.of(Cursor.list("accounts", portfolio.id()), ann).encode()),
                "cursor");
    }

    @Test
    void aCursorNamingAnotherPortfoliosUserOrAccountAnswersAsOneNamingNothing() {
        // Sorting before every user and account here: a seek from them would list them all.
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID theirUser = other.user("aaron");
        UUID theirAccount = other.account("Aardvark");
        other.member(theirAccount, theirUser, AccountRole.ADMIN);
        String signature = DirectoryCalls.signature(api.get(token, users(portfolio.id()), "limit", 1)
                .body()
                .path("nextCursor")
                .asString());

        assertAnswersAsNothing(users(portfolio.id()), Cursor.list("users", portfolio.id()), theirUser, signature);
        assertAnswersAsNothing(
                DirectoryCalls.accounts(portfolio.id()),
                Cursor.list("accounts", portfolio.id()),
                theirAccount,
                signature);
    }

    /**
     * Hand-made cursors of {@code list} naming {@code theirs} answer exactly what the same cursors
     * naming an id of nothing answer, the paging 400: unsigned, with {@code signature} (made for
     * another item of the list) and with a made-up one.
     */
    private void assertAnswersAsNothing(String path, String list, UUID theirs, String signature) {
        UUID nothing = UUID.randomUUID();
        List<Function<UUID, String>> cursors = List.of(
                item -> Cursor.of(list, item).encode(),
                item -> Cursor.of(list, item, signature).encode(),
                item -> Cursor.of(list, item, "made-up").encode());
        for (Function<UUID, String> cursor : cursors) {
            Answer foreign = api.get(token, path, "cursor", cursor.apply(theirs));
            Answer none = api.get(token, path, "cursor", cursor.apply(nothing));

            assertInvalidParameter(foreign, "cursor");
            assertThat(foreign.body().path("errors"))
                    .as(DirectoryCalls.decoded(cursor.apply(theirs)))
                    .isEqualTo(none.body().path("errors"));
            assertThat(foreign.body().path("detail")).isEqualTo(none.body().path("detail"));
        }
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

    /**
     * The users list statement {@code call} sent through the application's data source (the
     * datasource-proxy wrapper the JDBC spans come from), with its parameters.
     */
    private QueryInfo usersStatementOf(Runnable call) {
        ChainListener chain = ((ProxyDataSource) dataSource).getProxyConfig().getQueryListener();
        AtomicReference<QueryInfo> seen = new AtomicReference<>();
        QueryExecutionListener listener = new QueryExecutionListener() {
            @Override
            public void beforeQuery(ExecutionInfo execution, List<QueryInfo> queries) {}

            @Override
            public void afterQuery(ExecutionInfo execution, List<QueryInfo> queries) {
                queries.stream()
                        .filter(query -> query.getQuery().contains("portfolio_users AS MATERIALIZED"))
                        .forEach(seen::set);
            }
        };
        List<QueryExecutionListener> listeners = new ArrayList<>(chain.getListeners());
        listeners.add(listener);
        chain.setListeners(listeners);
        try {
            call.run();
        } finally {
            List<QueryExecutionListener> without = new ArrayList<>(chain.getListeners());
            without.remove(listener);
            chain.setListeners(without);
        }
        assertThat(seen.get()).as("the users list statement").isNotNull();
        return seen.get();
    }

    /** The number of rows {@code statement} reads when sent again with the same parameters. */
    private int rowsOf(QueryInfo statement) throws Exception {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement again = connection.prepareStatement(statement.getQuery())) {
            for (ParameterSetOperation parameter : statement.getParametersList().getFirst()) {
                parameter.getMethod().invoke(again, parameter.getArgs());
            }
            int rows = 0;
            try (ResultSet result = again.executeQuery()) {
                while (result.next()) {
                    rows++;
                }
            }
            return rows;
        }
    }

    /** The id of the account {@link DirectorySeed.Portfolio#generateAccountsWithMember} numbered {@code number}. */
    private UUID account(DirectorySeed.Portfolio portfolio, int number) {
        return jdbc.sql("SELECT id FROM directory.accounts WHERE portfolio_id = :portfolioId AND name = :name")
                .param("portfolioId", portfolio.id())
                .param("name", "Account %06d".formatted(number))
                .query(UUID.class)
                .single();
    }

    /** The names of the generated accounts numbered {@code from} to {@code to}. */
    private static List<String> accountNames(int from, int to) {
        return IntStream.rangeClosed(from, to)
                .mapToObj("Account %06d"::formatted)
                .toList();
    }

    private static List<String> with(List<String> names, String... more) {
        List<String> all = new ArrayList<>(names);
        all.addAll(List.of(more));
        return all;
    }

    private static List<String> accountNames(JsonNode user) {
        return user.path("memberships").values().stream()
                .map(m -> m.path("accountName").asString())
                .toList();
    }

    private static List<String> emails(Answer answer) {
        assertThat(answer.status()).isEqualTo(200);
        return answer.body().path("items").values().stream()
                .map(item -> item.path("email").asString())
                .toList();
    }
}
