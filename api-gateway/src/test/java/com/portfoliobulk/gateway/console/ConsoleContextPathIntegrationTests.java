package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * The console of a gateway served under a path prefix ({@code server.servlet.context-path=/bulk}), as
 * behind a proxy at {@code https://admin.example.com/bulk/}, with the API base URL left empty: the
 * console calls the API under the same prefix, and shows the SCIM tenant URL with the prefix once.
 */
@ConsoleIntegrationTest
@TestPropertySource(properties = "server.servlet.context-path=/bulk")
class ConsoleContextPathIntegrationTests {

    private static final Pattern SCIM_TOKEN = Pattern.compile("id=\"scim-token-value\"[^>]*value=\"([^\"]+)\"");

    private static final Pattern SCIM_BASE_URL = Pattern.compile("id=\"scim-base-url\"[^>]*value=\"([^\"]+)\"");

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    private ConsoleBrowser browser;

    private DirectorySeed.Portfolio portfolio;

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port, "/bulk");
        portfolio = new DirectorySeed(jdbc).portfolio();
    }

    /** Before, every page that reads through the API answered the API's 404 (it was called without /bulk). */
    @Test
    void theUsersPageListsThePortfoliosUsersUnderThePrefix() throws Exception {
        portfolio.member(portfolio.account("Brand Paris"), portfolio.user("ann"), AccountRole.ANALYST);

        HttpResponse<String> signedIn =
                browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");

        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
        assertThat(URI.create(signedIn.headers().firstValue("Location").orElseThrow())
                        .getPath())
                .isEqualTo("/bulk/console");
        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
        assertThat(users.body())
                .contains(portfolio.email("ann"), "Brand Paris")
                .contains("href=\"/bulk/console/portfolios/" + portfolio.id() + "/jobs\"");
    }

    /**
     * A new SCIM token's tenant URL is the address the administrator reached the console at, with the
     * prefix once, and the SCIM API answers there with the token. Before, creating the token failed
     * (the API was called without /bulk); with the API called under /bulk, the URL said /bulk/bulk.
     */
    @Test
    void aNewScimTokensTenantUrlCarriesThePrefixOnce() throws Exception {
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String page = "/console/portfolios/" + portfolio.id() + "/integrations";
        HttpResponse<String> empty = browser.get(page);
        assertThat(empty.statusCode()).as(empty.body()).isEqualTo(200);
        Map<String, String> form = new LinkedHashMap<>(ConsoleBrowser.hiddenFields(empty.body(), "panel create-token"));
        form.put("name", "Entra ID");

        HttpResponse<String> created = browser.post(page + "/scim-tokens", form);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(302);
        assertThat(URI.create(created.headers().firstValue("Location").orElseThrow())
                        .getPath())
                .isEqualTo("/bulk" + page);
        String shown = browser.get(page).body();
        String scimBase = value(SCIM_BASE_URL, shown);
        assertThat(scimBase).isEqualTo("http://localhost:" + port + "/bulk/scim/v2/portfolios/" + portfolio.id());
        HttpResponse<String> scim = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(scimBase + "/Users"))
                                .header("Authorization", "Bearer " + value(SCIM_TOKEN, shown))
                                .header("Accept", "application/scim+json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(scim.statusCode()).as(scim.body()).isEqualTo(200);
    }

    private static String value(Pattern pattern, String page) {
        Matcher matcher = pattern.matcher(page);
        assertThat(matcher.find()).as(page).isTrue();
        return ConsoleBrowser.unescape(matcher.group(1));
    }
}
