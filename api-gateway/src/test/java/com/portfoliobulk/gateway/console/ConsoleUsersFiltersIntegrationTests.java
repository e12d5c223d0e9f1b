package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
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

    private static List<String> chips(String page) {
        return CHIP_ACCOUNT.matcher(page).results().map(match -> match.group(1)).toList();
    }

    private static List<String> accountNames(int from, int to) {
        return IntStream.rangeClosed(from, to)
                .mapToObj("Account %06d"::formatted)
                .toList();
    }
}
