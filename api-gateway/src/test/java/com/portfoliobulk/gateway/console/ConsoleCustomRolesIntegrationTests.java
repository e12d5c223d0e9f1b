package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A portfolio's custom account roles in the console: the profile's per-account selector keeps a
 * member's custom role selected, every list offers the custom roles by their configured names, and
 * every page that shows a role (the review, a job's tasks, the users of a view-only administrator)
 * shows a custom one by its configured name.
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

    private UUID lisbon;

    @BeforeEach
    void portfolioWithACustomRole() throws Exception {
        browser = new ConsoleBrowser(port);
        portfolio = new DirectorySeed(jdbc).portfolio();
        lisbon = portfolio.account("Brand Lisbon");
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

    @Test
    void theReviewAndTheJobShowTheCustomRoleByItsName() throws Exception {
        UUID ann = portfolio.user("ann");
        portfolio.member(lisbon, ann, AccountRole.ANALYST);

        HttpResponse<String> review = browser.post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of(
                        "action",
                        "change-role",
                        "userIds",
                        ann + "," + vera,
                        "accountIds",
                        lisbon.toString(),
                        "role",
                        "REGIONAL_LEAD",
                        "_csrf",
                        browser.csrf()));

        assertThat(review.statusCode()).as(review.body()).isEqualTo(200);
        String planned = tbody(review.body());
        assertThat(planned).doesNotContain("REGIONAL_LEAD");
        assertThat(row(planned, portfolio.email("ann"))).contains("<td>Analyst</td>", "<td>Area director</td>");
        assertThat(row(planned, portfolio.email("vera"))).contains("<td>Area director</td>");

        // "Change the role change" offers the form as it was sent: both users (by address), Lisbon ticked and
        // Area director chosen; sent again as it is, it is the same review. Before, only Cancel, to an
        // empty form.
        assertThat(review.body())
                .contains("<summary>Change the role change</summary>")
                .contains(
                        "<span>" + portfolio.email("ann") + "</span>", "<span>" + portfolio.email("vera") + "</span>");
        List<Map.Entry<String, String>> asSent = ConsoleBrowser.formEntries(review.body(), "bulk-again");
        assertThat(asSent)
                .contains(
                        Map.entry("userIds", ann.toString()),
                        Map.entry("userIds", vera.toString()),
                        Map.entry("accountIds", lisbon.toString()),
                        Map.entry("role", "REGIONAL_LEAD"));
        assertThat(select(review.body(), "again-role")).contains(">Area director<");
        HttpResponse<String> again = browser.postEncoded(
                "/console/portfolios/" + portfolio.id() + "/review",
                ConsoleBrowser.encode(asSent) + "&action=change-role");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(tbody(again.body())).isEqualTo(planned);

        HttpResponse<String> confirmed = browser.post(
                "/console/portfolios/" + portfolio.id() + "/jobs",
                ConsoleBrowser.hiddenFields(review.body(), "confirm"));

        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
        String job = URI.create(confirmed.headers().firstValue("Location").orElseThrow())
                .getPath();
        HttpResponse<String> page = browser.get(job);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(tbody(page.body())).contains("<td>Area director</td>").doesNotContain("REGIONAL_LEAD");

        ConsoleBrowser viewer = new ConsoleBrowser(port);
        viewer.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        HttpResponse<String> viewed = viewer.get(job);
        assertThat(viewed.statusCode()).as(viewed.body()).isEqualTo(200);
        assertThat(tbody(viewed.body())).contains("<td>Area director</td>").doesNotContain("REGIONAL_LEAD");
    }

    @Test
    void aViewOnlyAdministratorSeesTheCustomRoleByItsNameThoughTheListsOfferNone() throws Exception {
        ConsoleBrowser viewer = new ConsoleBrowser(port);
        viewer.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> users = viewer.get("/console/portfolios/" + portfolio.id() + "/users");
        HttpResponse<String> profile = viewer.get("/console/portfolios/" + portfolio.id() + "/users/" + vera);

        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
        assertThat(users.body()).contains("<span class=\"role\">Area director</span>");
        assertThat(profile.statusCode()).as(profile.body()).isEqualTo(200);
        assertThat(profile.body()).contains(">Area director</span>");
    }

    @Test
    void theAdministrationPageShowsAPageOfCustomAccountRolesBehindTheStandardOnes() throws Exception {
        // 51 custom roles: REGIONAL_LEAD, then ROLE_01 to ROLE_50 by code; the API lists the 7 standard
        // roles first. The console shows 50 rows a page: the first page the first 50 custom roles.
        for (int i = 1; i <= 50; i++) {
            jdbc.sql("""
                            INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                            VALUES (:p, :code, :name, ARRAY['VIEW_ACCOUNT'])
                            """)
                    .param("p", portfolio.id())
                    .param("code", "ROLE_%02d".formatted(i))
                    .param("name", "Role %02d".formatted(i))
                    .update();
        }

        HttpResponse<String> first = browser.get("/console/portfolios/" + portfolio.id() + "/admin");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        List<String> shown = customRoles(first.body());
        assertThat(shown).hasSize(50).startsWith("REGIONAL_LEAD", "ROLE_01").endsWith("ROLE_49");
        Matcher next = Pattern.compile("id=\"roles-next\" href=\"([^\"]*)\"").matcher(first.body());
        assertThat(next.find()).as(first.body()).isTrue();

        HttpResponse<String> second = browser.get(next.group(1).replace("&amp;", "&"));

        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        assertThat(customRoles(second.body())).containsExactly("ROLE_50");
        assertThat(second.body()).doesNotContain("id=\"roles-next\"");
    }

    /** The codes of the custom account roles the administration page shows. */
    private static List<String> customRoles(String page) {
        Matcher table = Pattern.compile("<table[^>]*id=\"account-roles\"[^>]*>(.*?)</table>", Pattern.DOTALL)
                .matcher(page);
        assertThat(table.find()).as(page).isTrue();
        Matcher code = Pattern.compile("<th scope=\"row\">([^<]*)</th>").matcher(table.group(1));
        List<String> codes = new ArrayList<>();
        while (code.find()) {
            codes.add(code.group(1));
        }
        return codes;
    }

    /** The body of the page's table. */
    private static String tbody(String page) {
        Matcher body = Pattern.compile("<tbody>(.*?)</tbody>", Pattern.DOTALL).matcher(page);
        assertThat(body.find()).as(page).isTrue();
        return body.group(1);
    }

    /** The table row that names this e-mail address. */
    private static String row(String tbody, String email) {
        Matcher row = Pattern.compile("<tr[^>]*>((?:(?!</tr>).)*?" + Pattern.quote(email) + ".*?)</tr>", Pattern.DOTALL)
                .matcher(tbody);
        assertThat(row.find()).as(email + " in " + tbody).isTrue();
        return row.group(1);
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
