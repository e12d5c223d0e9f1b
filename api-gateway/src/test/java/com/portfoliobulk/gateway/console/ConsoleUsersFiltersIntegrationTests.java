package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The Users tab's filters stay in force together: finding accounts by name keeps the account the
 * table is filtered by, and the Account list shows that account even where the name search or the
 * first accounts by name leave it out.
 */
@ConsoleIntegrationTest
class ConsoleUsersFiltersIntegrationTests {

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
}
