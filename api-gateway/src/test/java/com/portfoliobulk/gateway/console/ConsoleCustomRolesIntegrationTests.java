package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A portfolio's custom account roles in the console's role lists: the profile's per-account selector
 * keeps a member's custom role selected, and every list offers the custom roles by their configured names.
 */
@ConsoleIntegrationTest
class ConsoleCustomRolesIntegrationTests {

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    private ConsoleBrowser browser;

    private DirectorySeed.Portfolio portfolio;

    private UUID vera;

    @BeforeEach
    void portfolioWithACustomRole() throws Exception {
        browser = new ConsoleBrowser(port);
        portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        vera = portfolio.user("vera");
        portfolio.member(lisbon, vera, new AccountRole("REGIONAL_LEAD"));
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (:p, 'REGIONAL_LEAD', 'Area director', ARRAY['VIEW_ACCOUNT'])
                        """).param("p", portfolio.id()).update();
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);
    }

    @Test
    void theProfileSelectorKeepsTheMembersCustomRoleSelected() throws Exception {
        HttpResponse<String> page = browser.get("/console/portfolios/" + portfolio.id() + "/users/" + vera);

        assertThat(page.statusCode()).isEqualTo(200);
        String selector = select(page.body(), "role-0");
        assertThat(selected(selector)).as(selector).containsExactly("REGIONAL_LEAD");
        assertThat(selector).contains(">Area director<");
        assertThat(page.body()).contains(">Area director</span>");
    }

    @Test
    void theBulkAndInvitationListsAndTheFilterOfferTheCustomRoleByItsName() throws Exception {
        HttpResponse<String> page = browser.get("/console/portfolios/" + portfolio.id() + "/users");

        assertThat(page.statusCode()).isEqualTo(200);
        for (String list : new String[] {"bulk-role", "invite-role-0", "role"}) {
            assertThat(select(page.body(), list)).as(list).contains("value=\"REGIONAL_LEAD\"", ">Area director<");
        }
        assertThat(select(page.body(), "bulk-role")).doesNotContain("value=\"OWNER\"");
        assertThat(select(page.body(), "invite-role-0")).doesNotContain("value=\"OWNER\"");
        assertThat(selected(select(page.body(), "bulk-role"))).containsExactly("SUPPORT");
        assertThat(page.body()).contains("<span class=\"role\">Area director</span>");
    }

    @Test
    void theUsersListFiltersByTheCustomRoleThroughTheApi() throws Exception {
        HttpResponse<String> filtered =
                browser.get("/console/portfolios/" + portfolio.id() + "/users?role=REGIONAL_LEAD");

        assertThat(filtered.statusCode()).as(filtered.body()).isEqualTo(200);
        assertThat(filtered.body()).contains(portfolio.email("vera"));

        HttpResponse<String> unknown = browser.get("/console/portfolios/" + portfolio.id() + "/users?role=FRANCHISEE");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("Unknown role", "REGIONAL_LEAD");
    }

    /** The options of the select with this id. */
    private static String select(String page, String id) {
        Matcher select = Pattern.compile(
                        "<select[^>]*id=\"" + Pattern.quote(id) + "\"[^>]*>(.*?)</select>", Pattern.DOTALL)
                .matcher(page);
        assertThat(select.find()).as(id + " in " + page).isTrue();
        return select.group(1);
    }

    /** The values of the selected options. */
    private static List<String> selected(String options) {
        Matcher option = Pattern.compile("<option([^>]*)>").matcher(options);
        List<String> values = new ArrayList<>();
        while (option.find()) {
            String attributes = option.group(1);
            if (Pattern.compile("\\bselected\\b").matcher(attributes).find()) {
                Matcher value = Pattern.compile("value=\"([^\"]*)\"").matcher(attributes);
                values.add(value.find() ? value.group(1) : "");
            }
        }
        return values;
    }
}
