package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The administration page of a portfolio: its portfolio users and roles as the API answers the
 * signed-in administrator, and changing a portfolio user's role through the API.
 */
@ConsoleIntegrationTest
class ConsoleAdminIntegrationTests {

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    private ConsoleBrowser browser;

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port);
    }

    @Test
    void theOwnerSeesThePortfolioUsersAndChangesARoleThroughTheApi() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.account("Brand Lisbon");
        UUID vera = portfolio.user("vera");
        String veraEmail = portfolio.email("vera");
        portfolioUser(portfolio, vera, veraEmail, "USER_MANAGEMENT_VIEW");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";

        HttpResponse<String> page = get(admin);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("aria-current=\"page\">Administration<", "id=\"portfolio-users\"")
                .contains("data-email=\"" + veraEmail + "\"", "USER_MANAGEMENT_VIEW")
                .contains("class=\"inline role-change\"", "Brand Lisbon", "id=\"admin-log\"");
        // The row's button names the user it changes, among the page's many "Change role" buttons.
        assertThat(page.body()).contains("aria-label=\"Change role of " + veraEmail + "\">Change role</button>");

        HttpResponse<String> changed = post(
                admin + "/portfolio-users/" + vera + "/role", Map.of("role", "USER_MANAGEMENT_EDIT", "_csrf", csrf()));

        assertThat(changed.statusCode()).isEqualTo(302);
        assertThat(changed.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(admin));
        assertThat(roleOf(portfolio, vera)).isEqualTo("USER_MANAGEMENT_EDIT");
        assertThat(get(admin).body())
                .contains(
                        "id=\"role-changed\"",
                        "<td data-action=\"PORTFOLIO_ROLE_CHANGED\">Portfolio role changed</td>",
                        "role User Management VIEW -&gt; User Management EDIT");
        // The notice answers the change once: a reload, Back or an address kept from before says nothing changed.
        assertThat(get(admin).body()).doesNotContain("id=\"role-changed\"");
        assertThat(get(admin + "?changed").body()).doesNotContain("id=\"role-changed\"");

        HttpResponse<String> refused =
                post(admin + "/portfolio-users/" + vera + "/role", Map.of("role", "NO_SUCH_ROLE", "_csrf", csrf()));

        assertThat(refused.statusCode()).isBetween(400, 499);
        assertThat(refused.body()).contains("NO_SUCH_ROLE");
        assertThat(roleOf(portfolio, vera)).isEqualTo("USER_MANAGEMENT_EDIT");
    }

    /**
     * The console's own call to the API carries the length of its small body, so a role change does
     * not wait for the gateway's budget of large bodies while four stalled 5 MiB submissions hold it.
     */
    @Test
    void aRoleChangeIsNotHeldUpByLargeBodiesUsingTheGatewaysBudget() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.account("Brand Porto");
        UUID vera = portfolio.user("vera");
        portfolioUser(portfolio, vera, portfolio.email("vera"), "USER_MANAGEMENT_VIEW");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";
        String csrf = csrf();
        String token = TestTokens.token(UUID.randomUUID(), "api-owner@agency.test", portfolio.id(), "OWNER");
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("localhost", port);
                stalled.add(socket);
                String head = "POST /api/v1/portfolios/" + portfolio.id() + "/bulk-jobs HTTP/1.1\r\n"
                        + "Host: localhost\r\nAuthorization: Bearer " + token + "\r\n"
                        + "Idempotency-Key: " + UUID.randomUUID() + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + 5 * 1024 * 1024 + "\r\n\r\n"
                        + "{\"type\":\"INVITE_USERS\",\"emails\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once the four are being read, a large body finds the budget used up.
            await().atMost(Duration.ofSeconds(30)).until(() -> largeSubmission(portfolio, token) == 503);

            HttpResponse<String> changed = post(
                    admin + "/portfolio-users/" + vera + "/role",
                    Map.of("role", "USER_MANAGEMENT_EDIT", "_csrf", csrf));

            assertThat(changed.statusCode()).as(changed.body()).isEqualTo(302);
            assertThat(roleOf(portfolio, vera)).isEqualTo("USER_MANAGEMENT_EDIT");
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /**
     * A console Confirm of a large list (20,000 addresses) is counted once in the large bodies' budget,
     * not twice: the form gives its share back when the console sends its reviewed request on to the API,
     * whose body takes its own. While stalled submissions of other callers hold all of the budget but
     * the form and half of the request it carries, the Confirm makes its job. Before, the form held its
     * share while the console's call to the API waited for one more, and the Confirm was answered 503
     * after 2 s: a few large Confirms at once could hold the whole budget with their forms alone.
     */
    @Test
    void aConfirmOfALargeListIsCountedOnceInTheBodyBudget() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        DirectorySeed.Portfolio other = new DirectorySeed(jdbc).portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String console = "/console/portfolios/" + portfolio.id();
        String emails = IntStream.range(0, 20_000)
                .mapToObj(i -> "invitee-" + i + "@brand.example")
                .collect(Collectors.joining("\n"));
        HttpResponse<String> review = post(
                console + "/review/invitation",
                Map.of(
                        "emails",
                        emails,
                        "language",
                        "en",
                        "accountIds",
                        lisbon.toString(),
                        "role-" + lisbon,
                        "SUPPORT",
                        "_csrf",
                        csrf()));
        assertThat(review.statusCode()).as(review.body()).isEqualTo(200);
        Map<String, String> confirm = ConsoleBrowser.hiddenFields(review.body(), "confirm");
        long form = ConsoleBrowser.encode(confirm).length();
        long request = confirm.get("request").getBytes(StandardCharsets.UTF_8).length;
        assertThat(form).as("the Confirm's form is a large body").isGreaterThan(64 * 1024);
        // What the stalled submissions leave of the large bodies' budget (20 MiB): the form and half its request.
        long left = form + request / 2;
        long fifth = 20L * 1024 * 1024 - 3L * 5 * 1024 * 1024 - left;
        String first = TestTokens.token(UUID.randomUUID(), "api-first@agency.test", other.id(), "OWNER");
        String second = TestTokens.token(UUID.randomUUID(), "api-second@agency.test", other.id(), "OWNER");
        String probe = TestTokens.token(UUID.randomUUID(), "api-probe@agency.test", other.id(), "OWNER");
        List<Socket> stalled = new ArrayList<>();
        try {
            for (Map.Entry<String, Long> body : List.of(
                    Map.entry(first, 5L * 1024 * 1024),
                    Map.entry(first, 5L * 1024 * 1024),
                    Map.entry(second, 5L * 1024 * 1024),
                    Map.entry(second, fifth))) {
                Socket socket = new Socket("localhost", port);
                stalled.add(socket);
                String head = "POST /api/v1/portfolios/" + other.id() + "/bulk-jobs HTTP/1.1\r\n"
                        + "Host: localhost\r\nAuthorization: Bearer " + body.getKey() + "\r\n"
                        + "Idempotency-Key: " + UUID.randomUUID() + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.getValue() + "\r\n\r\n"
                        + "{\"type\":\"INVITE_USERS\",\"emails\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once the four are being read, a body a little larger than what they leave finds the budget used up.
            await().atMost(Duration.ofSeconds(30)).until(() -> largeSubmission(other, probe, (int) left + 1024) == 503);

            HttpResponse<String> confirmed = post(console + "/jobs", confirm);

            assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
            assertThat(confirmed.headers().firstValue("Location"))
                    .hasValueSatisfying(location -> assertThat(location).contains(console + "/jobs/"));
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        assertThat(jdbc.sql("SELECT total FROM jobs.bulk_jobs WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(20_000L);
    }

    /**
     * A console user's large forms are counted in the large bodies' budget as theirs, by their user id:
     * five 2 MiB forms of one signed-in administrator, sent slowly, hold their share (10 MiB), and their
     * sixth is answered 503 on the console's error page, saying the bodies are theirs. The log line of
     * the refusal names them {@code console:<user id>}. Before, the console's forms were counted by the
     * administrator's e-mail address, and the line named it.
     */
    @Test
    void aConsoleUsersLargeFormsOverTheirShareAreLoggedByUserIdNotByAddress() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "owner-" + UUID.randomUUID() + "@agency.test";
        UUID userId = UUID.nameUUIDFromBytes(email.getBytes(StandardCharsets.UTF_8));
        signIn(email, "OWNER", portfolio);
        String head = "POST /console/portfolios/" + portfolio.id() + "/admin HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + 2 * 1024 * 1024
                + "\r\nCookie: " + browser.cookieHeader() + "\r\n\r\n_csrf=";
        List<Socket> held = new ArrayList<>();
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway.web.RequestBodyBudget")) {
            try {
                for (int i = 0; i < 5; i++) {
                    Socket socket = new Socket("localhost", port);
                    held.add(socket);
                    socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                    socket.getOutputStream().flush();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ConsoleBrowser.formsWaitingForTheirBody() >= 5);

                String busy;
                try (Socket sixth = new Socket("localhost", port)) {
                    sixth.setSoTimeout(20_000);
                    sixth.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                    sixth.shutdownOutput();
                    busy = new String(sixth.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                }

                assertThat(busy)
                        .as(busy)
                        .startsWith("HTTP/1.1 503 ")
                        .containsPattern("(?i)\r\nContent-Type: text/html")
                        .contains("request bodies of yours");
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
            assertThat(log.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .filteredOn(
                            line -> line.startsWith("Answering 503: the request bodies being handled of the caller "))
                    .singleElement()
                    .satisfies(line -> assertThat(line)
                            .contains("of the caller console:" + userId + " hold all of")
                            .doesNotContain(email));
        }
    }

    @Test
    void eachPortfolioUsersRoleIsShownByItsNameNotItsCodeAlsoInTheLog() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        jdbc.sql("INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)"
                        + " VALUES (:p, 'BRAND_AUDITOR', 'Brand auditor', ARRAY['USER_MANAGEMENT_VIEW'])")
                .param("p", portfolio.id())
                .update();
        Map<String, String> roles = Map.of(
                "ann", "ADMIN",
                "eve", "USER_MANAGEMENT_EDIT",
                "vic", "USER_MANAGEMENT_VIEW");
        roles.forEach((name, role) -> portfolioUser(portfolio, portfolio.user(name), portfolio.email(name), role));
        UUID bea = portfolio.user("bea");
        portfolioUser(portfolio, bea, portfolio.email("bea"), "BRAND_AUDITOR");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        String page = get("/console/portfolios/" + portfolio.id() + "/admin").body();

        assertThat(roleCell(page, portfolio.email("ann"))).isEqualTo("Admin");
        assertThat(roleCell(page, portfolio.email("eve"))).isEqualTo("User Management EDIT");
        assertThat(roleCell(page, portfolio.email("vic"))).isEqualTo("User Management VIEW");
        assertThat(roleCell(page, portfolio.email("bea"))).isEqualTo("Brand auditor");
        assertThat(page)
                .doesNotContain(
                        ">ADMIN<", ">USER_MANAGEMENT_EDIT<", ">USER_MANAGEMENT_VIEW<", ">BRAND_AUDITOR<", ">OWNER<");

        // The administration log names the roles of a change the same way.
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";
        assertThat(post(
                                admin + "/portfolio-users/" + bea + "/role",
                                Map.of("role", "USER_MANAGEMENT_VIEW", "_csrf", csrf()))
                        .statusCode())
                .isEqualTo(302);
        assertThat(get(admin).body())
                .contains("<td>role Brand auditor -&gt; User Management VIEW</td>")
                .doesNotContain("BRAND_AUDITOR -&gt;");
    }

    /**
     * "Change role" with the role the user has already (the selector opens on it) changes nothing, and
     * the API writes no log entry: the page says so rather than that the role was changed.
     */
    @Test
    void aRoleChangeToTheRoleHeldAlreadySaysThatNothingChanged() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID vera = portfolio.user("vera");
        portfolioUser(portfolio, vera, portfolio.email("vera"), "USER_MANAGEMENT_VIEW");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";
        Map<String, String> form =
                new LinkedHashMap<>(ConsoleBrowser.hiddenFields(get(admin).body(), "inline role-change"));
        form.put("role", "USER_MANAGEMENT_VIEW");
        form.put("_csrf", csrf());

        HttpResponse<String> sent = post(admin + "/portfolio-users/" + vera + "/role", form);

        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(302);
        String back = sent.headers().firstValue("Location").orElseThrow();
        assertThat(back).doesNotContain("changed");
        assertThat(get(back.substring(back.indexOf("/console"))).body())
                .contains(portfolio.email("vera") + " has that role, the one this page showed.")
                .doesNotContain("id=\"role-changed\"", "PORTFOLIO_ROLE_CHANGED", "Portfolio role changed");
        assertThat(roleOf(portfolio, vera)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    /** The pending Owner transfer names its recipient by their e-mail address, not by their user id. */
    @Test
    void thePendingOwnerTransferNamesItsRecipientByTheirAddress() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID vera = portfolio.user("vera");
        portfolioUser(portfolio, vera, portfolio.email("vera"), "ADMIN");
        jdbc.sql("INSERT INTO jobs.owner_transfers (portfolio_id, from_user_id, to_user_id) VALUES (:p, :from, :to)")
                .param("p", portfolio.id())
                .param("from", UUID.randomUUID())
                .param("to", vera)
                .update();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        String page = get("/console/portfolios/" + portfolio.id() + "/admin").body();

        Matcher transfer = Pattern.compile("<p id=\"owner-transfer\">(.*?)</p>", Pattern.DOTALL)
                .matcher(page);
        assertThat(transfer.find()).as(page).isTrue();
        assertThat(transfer.group(1))
                .contains("Ownership was offered to", portfolio.email("vera"))
                .doesNotContain(vera.toString());
    }

    @Test
    void aViewOnlyAdministratorSeesTheApisRefusalAndNoRoleForm() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID vera = portfolio.user("vera");
        portfolioUser(portfolio, vera, portfolio.email("vera"), "USER_MANAGEMENT_VIEW");
        signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";

        HttpResponse<String> page = get(admin);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body())
                .contains("id=\"users-refused\"")
                .doesNotContain("role-change", "id=\"portfolio-users\"", portfolio.email("vera"));
        HttpResponse<String> forged =
                post(admin + "/portfolio-users/" + vera + "/role", Map.of("role", "ADMIN", "_csrf", csrf()));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(roleOf(portfolio, vera)).isEqualTo("USER_MANAGEMENT_VIEW");
    }

    @Test
    void aPortfolioWithMoreUsersAndChangesThanAPageShowsEveryOneThroughTheNextPages() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        int seeded = 53;
        Set<String> emails = new TreeSet<>();
        for (int i = 0; i < seeded; i++) {
            String name = String.format("user%02d", i);
            portfolioUser(portfolio, portfolio.user(name), portfolio.email(name), "USER_MANAGEMENT_VIEW");
            emails.add(portfolio.email(name));
            jdbc.sql("INSERT INTO jobs.portfolio_admin_log (id, portfolio_id, occurred_at, action, actor_user_id,"
                            + " actor_email, subject, detail) VALUES (gen_random_uuid(), :p,"
                            + " now() - make_interval(mins => :i), 'PORTFOLIO_USER_ADDED', gen_random_uuid(),"
                            + " 'owner@agency.test', :subject, :detail)")
                    .param("p", portfolio.id())
                    .param("i", i)
                    .param("subject", portfolio.email(name))
                    .param("detail", "change-" + name)
                    .update();
        }
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";

        String first = get(admin).body();
        String nextUsers = link(first, "users-next");
        String olderChanges = link(first, "log-next");
        String second = get(nextUsers).body();
        String older = get(olderChanges).body();

        List<String> shown = new ArrayList<>(rows(first, "data-email=\"([^\"]+)\""));
        shown.addAll(rows(second, "data-email=\"([^\"]+)\""));
        assertThat(shown).doesNotHaveDuplicates().containsAll(emails);
        assertThat(second).contains("id=\"users-first\"").doesNotContain("id=\"users-next\"");
        List<String> changes = new ArrayList<>(rows(first, "<td>(change-user\\d+)</td>"));
        changes.addAll(rows(older, "<td>(change-user\\d+)</td>"));
        assertThat(changes)
                .doesNotHaveDuplicates()
                .hasSize(seeded)
                .startsWith("change-user00", "change-user01")
                .endsWith("change-user52");
        assertThat(older).contains("id=\"log-first\"").doesNotContain("id=\"log-next\"");

        // A user shown on a next page only is managed from there like any other.
        String last = emails.stream().reduce((a, b) -> b).orElseThrow();
        assertThat(rows(first, "data-email=\"([^\"]+)\"")).doesNotContain(last);
        UUID lastId = jdbc.sql("SELECT user_id FROM jobs.portfolio_users WHERE portfolio_id = :p AND email = :e")
                .param("p", portfolio.id())
                .param("e", last)
                .query(UUID.class)
                .single();
        assertThat(second).contains("/portfolio-users/" + lastId + "/role");
        Map<String, String> form = new LinkedHashMap<>(ConsoleBrowser.hiddenFields(second, "inline role-change"));
        form.put("role", "ADMIN");
        HttpResponse<String> changed = post(admin + "/portfolio-users/" + lastId + "/role", form);
        assertThat(changed.statusCode()).isEqualTo(302);
        assertThat(roleOf(portfolio, lastId)).isEqualTo("ADMIN");
        // Back on the page the change was made on, which shows the changed user.
        String back = changed.headers().firstValue("Location").orElseThrow();
        assertThat(back).contains("usersCursor=");
        assertThat(get(back.substring(back.indexOf("/console"))).body())
                .contains("id=\"role-changed\"", "data-email=\"" + last + "\"");
        assertThat(get(back.substring(back.indexOf("/console"))).body()).doesNotContain("id=\"role-changed\"");
    }

    /** The address of the page's link of this id, as a browser would follow it. */
    private static String link(String page, String id) {
        Matcher link = Pattern.compile("id=\"" + id + "\" href=\"([^\"]+)\"").matcher(page);
        assertThat(link.find()).as(page).isTrue();
        return link.group(1).replace("&amp;", "&");
    }

    private static List<String> rows(String page, String pattern) {
        Matcher row = Pattern.compile(pattern).matcher(page);
        List<String> found = new ArrayList<>();
        while (row.find()) {
            found.add(row.group(1));
        }
        return found;
    }

    private void portfolioUser(DirectorySeed.Portfolio portfolio, UUID user, String email, String role) {
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (:p, :u, :e, :r)")
                .param("p", portfolio.id())
                .param("u", user)
                .param("e", email)
                .param("r", role)
                .update();
    }

    /** The text of the role cell of the portfolio user's row. */
    private static String roleCell(String page, String email) {
        Matcher cell = Pattern.compile(
                        "data-email=\"" + Pattern.quote(email) + "\">.*?<td class=\"role\">([^<]*)</td>",
                        Pattern.DOTALL)
                .matcher(page);
        assertThat(cell.find()).as(page).isTrue();
        return cell.group(1).strip();
    }

    private String roleOf(DirectorySeed.Portfolio portfolio, UUID user) {
        return jdbc.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", user)
                .query(String.class)
                .single();
    }

    /** The status of an API submission over 64 KiB that is not a valid job (so that it changes nothing). */
    private int largeSubmission(DirectorySeed.Portfolio portfolio, String token) throws Exception {
        return largeSubmission(portfolio, token, 100 * 1024);
    }

    /** The status of an invalid submission of {@code size} bytes and more (a large body): it changes nothing. */
    private int largeSubmission(DirectorySeed.Portfolio portfolio, String token, int size) throws Exception {
        String invalid = "{\"type\":\"INVITE_USERS\",\"emails\":[],\"accounts\":[]}" + " ".repeat(size);
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs"))
                .header("Authorization", "Bearer " + token)
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(invalid))
                .build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    private HttpResponse<String> signIn(String email, String permission, DirectorySeed.Portfolio portfolio)
            throws Exception {
        return browser.signIn(email, permission, portfolio);
    }

    private String csrf() throws Exception {
        return browser.csrf();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return browser.get(path);
    }

    private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        return browser.post(path, form);
    }
}
