package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The Users tab's filters stay in force together: finding accounts by name keeps the account the
 * table is filtered by, and the Account list shows that account even where the name search or the
 * first accounts by name leave it out; a user in more accounts than the table shows shows the
 * filtered account among them.
 */
@ConsoleIntegrationTest
class ConsoleUsersFiltersIntegrationTests {

    private static final Pattern CHIP_ACCOUNT = Pattern.compile("<span class=\"account\">([^<]+)</span>");

    private static final Pattern TICKED = Pattern.compile("value=\"([0-9a-f-]{36})\" checked=\"checked\"");

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private MeterRegistry meters;

    @Test
    void findingAccountsByNameKeepsTheAccountFilterAndShowsItSelected() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        portfolio.member(alpha, portfolio.user("on-alpha"), AccountRole.ANALYST);
        portfolio.member(beta, portfolio.user("on-beta"), AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        String filtered = browser.get("/console/portfolios/" + portfolio.id() + "/users?accountId=" + alpha)
                .body();
        assertThat(ConsoleBrowser.hiddenFields(filtered, "filters compact"))
                .as("the account search form carries the account filter")
                .containsEntry("accountId", alpha.toString());

        // What that form sends when "Beta" is looked for.
        HttpResponse<String> found = browser.get(
                "/console/portfolios/" + portfolio.id() + "/users?q=&role=&accountId=" + alpha + "&accountName=Beta");

        assertThat(found.statusCode()).isEqualTo(200);
        assertThat(found.body())
                .contains(portfolio.email("on-alpha"))
                .doesNotContain(portfolio.email("on-beta"))
                .containsPattern("<option value=\"" + alpha + "\" selected=\"selected\">Alpha</option>")
                .contains("<option value=\"" + beta + "\">Beta</option>");
        assertThat(ConsoleBrowser.hiddenFields(found.body(), "filters compact"))
                .containsEntry("accountId", alpha.toString());
    }

    @Test
    void aUserInMoreAccountsThanShownShowsTheFilteredAccountAndHowManyMore() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        // Accounts 000001 to 000025, the user in every one.
        portfolio.generateAccountsWithMember(25, portfolio.user("everywhere"), AccountRole.ANALYST);
        UUID last = jdbc.sql("SELECT id FROM directory.accounts WHERE portfolio_id = :portfolioId AND name = :name")
                .param("portfolioId", portfolio.id())
                .param("name", "Account 000025")
                .query(UUID.class)
                .single();
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        String users = "/console/portfolios/" + portfolio.id() + "/users";

        String all = browser.get(users).body();
        String filtered = browser.get(users + "?accountId=" + last).body();

        assertThat(chips(all)).containsExactlyElementsOf(accountNames(1, 20));
        assertThat(all).contains("+ 5 more accounts");
        assertThat(chips(filtered))
                .as("the account the table is filtered by is among the chips")
                .containsExactlyElementsOf(Stream.concat(accountNames(1, 19).stream(), Stream.of("Account 000025"))
                        .toList());
        assertThat(filtered).contains("+ 5 more accounts");
    }

    /**
     * A user in one account more than the table shows reads "+ 1 more account". Before, "+ 1 more
     * accounts".
     */
    @Test
    void aUserInOneAccountMoreThanShownReadsOneMoreAccount() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.generateAccountsWithMember(21, portfolio.user("in-21"), AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        String users =
                browser.get("/console/portfolios/" + portfolio.id() + "/users").body();

        assertThat(chips(users)).containsExactlyElementsOf(accountNames(1, 20));
        assertThat(users).containsPattern(">\\+ 1 more account</a>").doesNotContain("more accounts</a>");
    }

    /**
     * "+ N more accounts" leads to the user's profile listing only the accounts where they have access,
     * and the profile offers all accounts again. Before, it listed every linked account, 50 a page: here
     * the 25 accounts of the user spread over two pages among 60 where they have none.
     */
    @Test
    void theMoreAccountsLinkLeadsToTheAccountsWhereTheUserHasAccessOnly() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        // Accounts 000001 to 000025, the user in every one, and 60 more between them without them.
        portfolio.generateAccountsWithMember(25, portfolio.user("everywhere"), AccountRole.ANALYST);
        IntStream.rangeClosed(1, 60).forEach(i -> portfolio.account(String.format("Account %06d other", 1 + i % 25)));
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        String users =
                browser.get("/console/portfolios/" + portfolio.id() + "/users").body();
        Matcher more = Pattern.compile("<li class=\"chip more\">\\s*<a href=\"([^\"]+)\">\\+ 5 more accounts</a>")
                .matcher(users);
        assertThat(more.find()).as(users).isTrue();
        HttpResponse<String> profile = browser.get(ConsoleBrowser.unescape(more.group(1)));

        assertThat(profile.statusCode()).isEqualTo(200);
        assertThat(rowAccounts(profile.body())).containsExactlyElementsOf(accountNames(1, 25));
        assertThat(profile.body())
                .doesNotContain("No access", "Next page", " other</th>")
                .contains("Only accounts with access</strong>")
                .containsPattern("<a id=\"all-accounts\" href=\"[^\"]+\">All accounts</a>");
    }

    /**
     * The count of ticked users and "select all" are the page script's: served hidden, so that without
     * JavaScript the bulk bar does not say "0 users selected" whatever is ticked, nor offer a "select
     * all" that ticks nothing; the script shows them (the browser tests tick with them).
     */
    @Test
    void theSelectionCountAndSelectAllAreServedHiddenForThePageScriptToShow() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.member(portfolio.account("Alpha"), portfolio.user("ann"), AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String users = "/console/portfolios/" + portfolio.id() + "/users";

        String page = browser.get(users).body();
        String results = browser.get(users + "?q=ann", "HX-Request", "true", "HX-Target", "results")
                .body();

        assertThat(page)
                .containsPattern("<p [^>]*id=\"selection\"[^>]*\\shidden[\\s>=]")
                .containsPattern("<input [^>]*id=\"select-all\"[^>]*\\shidden[\\s>=]")
                .containsPattern("<input [^>]*class=\"pick\"");
        assertThat(results)
                .as("the list htmx swaps in")
                .containsPattern("<input [^>]*id=\"select-all\"[^>]*\\shidden[\\s>=]")
                .contains(portfolio.email("ann"));
    }

    /**
     * A search as typed (htmx asking for the results alone) reads the page of users and nothing else
     * from the API: not the account roles and not the first 100 accounts with their Owner and member
     * counts, which the table does not show. The whole page reads all three.
     */
    @Test
    void theResultsOfASearchAsTypedReadNeitherTheAccountsNorTheAccountRoles() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.member(portfolio.account("Alpha"), portfolio.user("ann"), AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String users = "/console/portfolios/" + portfolio.id() + "/users";

        Map<String, Long> before = apiCalls();
        assertThat(browser.get(users).statusCode()).isEqualTo(200);
        Map<String, Long> page = awaitApiCalls(before, 1, 1, 1);
        String results = browser.get(users + "?q=ann", "HX-Request", "true", "HX-Target", "results")
                .body();
        awaitApiCalls(page, 1, 0, 0);
        // The whole page again: once its calls are counted, those of the search before it are too.
        assertThat(browser.get(users).statusCode()).isEqualTo(200);
        Map<String, Long> after = awaitApiCalls(page, 2, 1, 1);

        assertThat(results).contains(portfolio.email("ann")).contains("Analyst");
        assertThat(after.get("users") - page.get("users")).isEqualTo(2);
        assertThat(after.get("accounts") - page.get("accounts"))
                .as("accounts read by the search and the page after it")
                .isEqualTo(1);
        assertThat(after.get("account-roles") - page.get("account-roles"))
                .as("account roles read by the search and the page after it")
                .isEqualTo(1);
    }

    /** How many calls the API answered so far on its users, accounts and account roles lists. */
    private Map<String, Long> apiCalls() {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String list : List.of("users", "accounts", "account-roles")) {
            calls.put(
                    list,
                    meters
                            .find("http.server.requests")
                            .tag("uri", "/api/v1/portfolios/{portfolioId}/" + list)
                            .timers()
                            .stream()
                            .mapToLong(Timer::count)
                            .sum());
        }
        return calls;
    }

    /**
     * The calls the API answered once it answered at least so many more on its users, accounts and
     * account roles lists than {@code before}: a call is counted when its answer is complete, which may
     * be just after the console's.
     */
    private Map<String, Long> awaitApiCalls(Map<String, Long> before, long users, long accounts, long accountRoles) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(
                        this::apiCalls,
                        calls -> calls.get("users") >= before.get("users") + users
                                && calls.get("accounts") >= before.get("accounts") + accounts
                                && calls.get("account-roles") >= before.get("account-roles") + accountRoles);
    }

    /**
     * "Find accounts by name", as the page script sends it through htmx, answers the page's account lists
     * alone, each to swap into its place: the accounts found, and before them the accounts ticked in
     * the bulk bar and in the invitation (with the role chosen), still ticked although the name does not
     * find them. So one change names accounts of two searches. Before, the search served the whole page
     * again, with nothing ticked and the typed invitation gone.
     */
    @Test
    void findingAccountsKeepsTheTickedAccountsTickedInTheListsItSwapsIn() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        UUID gamma = portfolio.account("Gamma");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String users =
                browser.get("/console/portfolios/" + portfolio.id() + "/users").body();
        Matcher search = Pattern.compile("<form id=\"account-search\"[^>]*>").matcher(users);
        assertThat(search.find()).as(users).isTrue();
        assertThat(search.group())
                .contains("hx-post=\"/console/portfolios/" + portfolio.id() + "/account-choices\"", "hx-swap=\"none\"");

        Map<String, String> form = new LinkedHashMap<>();
        form.put("q", "");
        form.put("role", "");
        form.put("accountId", "");
        form.put("accountName", "Gamma");
        form.put("pickedAccountIds", alpha.toString());
        form.put("invitedAccountIds", beta.toString());
        form.put("role-" + beta, "ANALYST");
        form.put("_csrf", browser.csrf());
        HttpResponse<String> found =
                browser.post("/console/portfolios/" + portfolio.id() + "/account-choices", form, "HX-Request", "true");

        assertThat(found.statusCode()).isEqualTo(200);
        String lists = found.body();
        assertThat(lists).doesNotContain("<html", "id=\"results\"", "id=\"emails\"");
        String bulk = oob(lists, "div", "bulk-account-list");
        assertThat(bulk)
                .containsPattern("value=\"" + alpha + "\" checked=\"checked\"> <span>Alpha</span>")
                .containsPattern("value=\"" + gamma + "\"> <span>Gamma</span>")
                .doesNotContain("Beta");
        assertThat(bulk.indexOf("Alpha")).as("the ticked account first").isLessThan(bulk.indexOf("Gamma"));
        String invite = oob(lists, "div", "invite-account-list");
        assertThat(invite)
                .containsPattern("id=\"invite-account-0\" value=\"" + beta + "\" checked=\"checked\">")
                .containsPattern("<label for=\"invite-account-0\">Beta</label>")
                .containsPattern("<option value=\"ANALYST\" selected=\"selected\">Analyst</option>")
                .containsPattern("id=\"invite-account-1\" value=\"" + gamma + "\">")
                .doesNotContain("Alpha");
        assertThat(oob(lists, "select", "account"))
                .contains("<option value=\"" + gamma + "\">Gamma</option>")
                .doesNotContain("Alpha", "Beta");
        assertThat(oob(lists, "small", "accountName-hint"))
                .contains("1 account found by name; accounts ticked before stay ticked, up to 100 in a list.");

        // Sent without the page script, it leads to the Users page with the accounts found.
        HttpResponse<String> asPage = browser.post(
                "/console/portfolios/" + portfolio.id() + "/account-choices",
                Map.of("accountName", "Gamma", "_csrf", browser.csrf()));
        assertThat(asPage.statusCode()).isEqualTo(302);
        assertThat(asPage.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location)
                        .endsWith("/console/portfolios/" + portfolio.id() + "/users?accountName=Gamma"));
    }

    /**
     * "Find accounts by name" sent without the page script leads to the Users page with the name as
     * typed, braces, ampersand and plus included, and the accounts it finds. Before, a name with braces
     * answered the console's error page (500) quoting an error id: the name was read as part of an
     * address template.
     */
    @Test
    void findingAccountsByANameWithBracesWithoutThePageScriptShowsTheAccountsFound() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String name = "Brand {EU} & Co+";
        UUID eu = portfolio.account(name);
        portfolio.account("Brand US");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String users = "/console/portfolios/" + portfolio.id() + "/users";

        HttpResponse<String> asPage = browser.post(
                "/console/portfolios/" + portfolio.id() + "/account-choices",
                Map.of("accountName", name, "_csrf", browser.csrf()));

        assertThat(asPage.statusCode()).as(asPage.body()).isEqualTo(302);
        String location = asPage.headers().firstValue("Location").orElseThrow();
        assertThat(location).endsWith(users + "?accountName=Brand%20%7BEU%7D%20%26%20Co%2B");
        HttpResponse<String> found = browser.get(location.substring(location.indexOf("/console")));
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        assertThat(found.body())
                .contains("id=\"accountName\" name=\"accountName\" type=\"search\" value=\"Brand {EU} &amp; Co+\"")
                .contains("<option value=\"" + eu + "\">Brand {EU} &amp; Co+</option>")
                .contains("1 account found by name")
                .doesNotContain("Brand US");
    }

    /**
     * The accounts ticked over several searches stay ticked up to what a list holds, {@code
     * account-choices} (100): with 100 ticked, an account found is offered in neither list, and each list
     * says it is full, to untick one first, and that a change to more accounts goes through the API; one
     * more ticked (as a page that still offered it would send) is not kept, and the lists say so. The
     * forms then name 100 accounts, within the fields the gateway reads, and are reviewed. Before, the
     * lists kept every account ticked, with no bound: past about 800 in each, "Find accounts by name"
     * itself had more fields than the gateway reads and was refused, and the page was served again with
     * nothing ticked.
     */
    @Test
    void accountsTickedOverSearchesStopAtWhatAListHoldsWhichSaysSoAndTheFormsAreReviewed() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = portfolio.user("ann");
        List<UUID> earlier = portfolio.accounts(99);
        portfolio.member(earlier.getFirst(), ann, AccountRole.ANALYST);
        UUID hundredth = portfolio.account("Zulu One");
        UUID extra = portfolio.account("Zulu Two");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String lists = "/console/portfolios/" + portfolio.id();
        String apiInstead = "For a change to more accounts at once, send it as one job through the API (POST"
                + " /api/v1/portfolios/" + portfolio.id() + "/bulk-jobs), or make it in parts of 100.";

        // 99 accounts ticked in each list by earlier searches, then "Zulu One" found: offered after them.
        String found = findAccounts(browser, lists, "Zulu One", earlier);
        for (String list : List.of("bulk-account-list", "invite-account-list")) {
            String offered = oob(found, "div", list);
            assertThat(ticked(offered)).as(list).containsExactlyElementsOf(earlier);
            assertThat(offered)
                    .as(list)
                    .contains("value=\"" + hundredth + "\">")
                    .doesNotContain("list-note");
        }

        // "Zulu" finds two accounts, room is left for one: each list offers "Zulu One" and says so, in the
        // singular.
        found = findAccounts(browser, lists, "Zulu", earlier);
        for (String list : List.of("bulk-account-list", "invite-account-list")) {
            String offered = oob(found, "div", list);
            assertThat(offered)
                    .as(list)
                    .contains("value=\"" + hundredth + "\">")
                    .doesNotContain(extra.toString())
                    .contains("<p class=\"hint list-note\" role=\"status\">Showing 1 other account after the 99 ticked,"
                            + " as a list holds at most 100: finding accounts by name narrows them.</p>");
        }

        // It too is ticked: 100 in each list. "Zulu Two" is found (the Account filter offers it), but neither
        // list offers it, and each says why and what to do instead.
        List<UUID> hundred =
                Stream.concat(earlier.stream(), Stream.of(hundredth)).toList();
        found = findAccounts(browser, lists, "Zulu Two", hundred);
        assertThat(oob(found, "select", "account")).contains("<option value=\"" + extra + "\">Zulu Two</option>");
        for (String list : List.of("bulk-account-list", "invite-account-list")) {
            String offered = oob(found, "div", list);
            assertThat(ticked(offered)).as(list).containsExactlyElementsOf(hundred);
            assertThat(offered)
                    .as(list)
                    .doesNotContain(extra.toString())
                    .contains("<p class=\"hint list-note\" role=\"status\">100 accounts ticked, the most a list keeps:"
                            + " untick one to tick another. " + apiInstead + "</p>");
        }

        // One more ticked, as a page that still offered it would send: the first 100 stay ticked, not the last.
        found = findAccounts(
                browser,
                lists,
                "Zulu",
                Stream.concat(hundred.stream(), Stream.of(extra)).toList());
        for (String list : List.of("bulk-account-list", "invite-account-list")) {
            String offered = oob(found, "div", list);
            assertThat(ticked(offered)).as(list).containsExactlyElementsOf(hundred);
            assertThat(offered)
                    .as(list)
                    .doesNotContain(extra.toString())
                    .contains("A list keeps at most 100 accounts ticked: 1 more ticked was not kept. " + apiInstead);
        }

        // The bulk bar's and the invitation's forms with the 100 accounts are reviewed.
        String csrf = "_csrf=" + URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8);
        String accounts =
                hundred.stream().map(account -> "&accountIds=" + account).collect(Collectors.joining());
        HttpResponse<String> roleChange = browser.postEncoded(
                lists + "/review", csrf + "&action=change-role&role=MANAGER&userIds=" + ann + accounts);
        HttpResponse<String> invitation = browser.postEncoded(
                lists + "/review/invitation",
                csrf + "&emails=" + URLEncoder.encode(portfolio.email("new"), StandardCharsets.UTF_8)
                        + "&language=en" + accounts
                        + hundred.stream()
                                .map(account -> "&role-" + account + "=SUPPORT")
                                .collect(Collectors.joining()));
        for (HttpResponse<String> review : List.of(roleChange, invitation)) {
            assertThat(review.statusCode()).as(review.body()).isEqualTo(200);
            assertThat(review.body()).contains("id=\"summary\"", "id=\"confirm\"");
        }
        assertThat(invitation.body()).contains("id=\"changes\">100<");
    }

    /**
     * "Find accounts by name" as the page script sends it: the name, and the accounts ticked in the bulk
     * bar and in the invitation (here the same, each with Analyst in the invitation); answers the lists.
     */
    private static String findAccounts(ConsoleBrowser browser, String portfolio, String name, List<UUID> ticked)
            throws Exception {
        StringBuilder form = new StringBuilder("q=&role=&accountId=&accountName=")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append("&_csrf=")
                .append(URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8));
        ticked.forEach(account -> form.append("&pickedAccountIds=").append(account));
        ticked.forEach(account -> form.append("&invitedAccountIds=").append(account));
        ticked.forEach(account -> form.append("&role-").append(account).append("=ANALYST"));
        HttpResponse<String> found =
                browser.postEncoded(portfolio + "/account-choices", form.toString(), "HX-Request", "true");
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        return found.body();
    }

    /** The accounts ticked in an account list, in its order. */
    private static List<UUID> ticked(String list) {
        return TICKED.matcher(list)
                .results()
                .map(match -> UUID.fromString(match.group(1)))
                .toList();
    }

    /**
     * What the answer's element of this tag and id brings to swap into its place (out of band): the
     * answer from its opening tag to the next such element.
     */
    private static String oob(String answer, String tag, String id) {
        String opening = "<" + tag + " id=\"" + id + "\" hx-swap-oob=\"innerHTML\">";
        int start = answer.indexOf(opening);
        assertThat(start).as(id + " in " + answer).isNotNegative();
        int next = answer.indexOf("hx-swap-oob", start + opening.length());
        return answer.substring(start + opening.length(), next < 0 ? answer.length() : next);
    }

    /** The account names of a profile's rows. */
    private static List<String> rowAccounts(String page) {
        return Pattern.compile("<th scope=\"row\">([^<]+)</th>")
                .matcher(page)
                .results()
                .map(row -> row.group(1))
                .toList();
    }

    private static List<String> chips(String page) {
        return CHIP_ACCOUNT.matcher(page).results().map(match -> match.group(1)).toList();
    }

    private static List<String> accountNames(int from, int to) {
        return IntStream.rangeClosed(from, to)
                .mapToObj("Account %06d"::formatted)
                .toList();
    }
}
