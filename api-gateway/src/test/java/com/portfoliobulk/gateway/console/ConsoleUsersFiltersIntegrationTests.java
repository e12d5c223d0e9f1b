package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
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

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

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
                .contains("1 account found by name; accounts ticked before stay ticked.");

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

    private static List<String> chips(String page) {
        return CHIP_ACCOUNT.matcher(page).results().map(match -> match.group(1)).toList();
    }

    private static List<String> accountNames(int from, int to) {
        return IntStream.rangeClosed(from, to)
                .mapToObj("Account %06d"::formatted)
                .toList();
    }
}
