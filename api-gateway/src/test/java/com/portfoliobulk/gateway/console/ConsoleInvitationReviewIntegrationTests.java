package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The review of invitations the API refuses: its problem, field by field, and the invitation offered
 * again as typed and chosen, to correct and review again without starting over; and every review of
 * the Users page's forms offering its form back as it was sent, to change and review again.
 */
@ConsoleIntegrationTest
class ConsoleInvitationReviewIntegrationTests {

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void aRefusedInvitationIsOfferedAgainAsTypedAndReviewedOnceCorrected() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String typed = "ann@brand.example\nnot-an-address\nbob@brand.example";

        HttpResponse<String> refused = browser.post(
                "/console/portfolios/" + portfolio.id() + "/review/invitation",
                Map.of(
                        "emails",
                        typed,
                        "language",
                        "de",
                        "accountIds",
                        lisbon.toString(),
                        "role-" + lisbon,
                        "MANAGER",
                        "_csrf",
                        browser.csrf()));

        assertThat(refused.statusCode()).isEqualTo(200);
        String page = ConsoleBrowser.unescape(refused.body());
        assertThat(page).contains("id=\"problem\"", "not-an-address").doesNotContain("id=\"confirm\"");
        assertThat(page).contains(">" + typed + "</textarea>", "<title>Error: Review changes");
        assertThat(tag(page, "textarea", "emails"))
                .contains("aria-invalid=\"true\"", "aria-describedby=\"problem-text emails-hint\"")
                .containsPattern("\\sautofocus[\\s=>]");
        Map<String, String> kept = ConsoleBrowser.formFields(refused.body(), "invitation-again");
        assertThat(kept)
                .containsEntry("emails", typed)
                .containsEntry("language", "de")
                .containsEntry("accountIds", lisbon.toString())
                .containsEntry("role-" + lisbon, "MANAGER");

        Map<String, String> corrected = new LinkedHashMap<>(kept);
        corrected.put("emails", "ann@brand.example\nbob@brand.example");
        HttpResponse<String> review =
                browser.post("/console/portfolios/" + portfolio.id() + "/review/invitation", corrected);

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body()))
                .doesNotContain("id=\"problem\"")
                .contains("ann@brand.example", "bob@brand.example", "Manager");

        // "Change the invitation" offers it back as sent, to change and review again; before, only Cancel,
        // to an empty form. Nothing in it is marked refused or takes the focus.
        String reviewed = ConsoleBrowser.unescape(review.body());
        assertThat(reviewed).contains("<summary>Change the invitation</summary>", "id=\"confirm\"");
        assertThat(ConsoleBrowser.formFields(review.body(), "invitation-again"))
                .containsEntry("emails", corrected.get("emails"))
                .containsEntry("language", "de")
                .containsEntry("accountIds", lisbon.toString())
                .containsEntry("role-" + lisbon, "MANAGER");
        assertThat(tag(reviewed, "textarea", "emails"))
                .contains("aria-describedby=\"emails-hint\"")
                .doesNotContain("aria-invalid")
                .doesNotContainPattern("\\sautofocus[\\s=>]");
    }

    /**
     * A refusal that names the accounts (none ticked) or a role (a custom role deleted since the Users
     * page was read) offers the accounts, the role on each and the language again, as chosen, to
     * correct: before, only the addresses could be changed, and Review invitations again sent the
     * same refused accounts and roles every time.
     */
    @Test
    void aRefusalNamingTheAccountsOrARoleOffersThemToCorrect() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        UUID porto = portfolio.account("Brand Porto");
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (:p, 'AREA_LEAD', 'Area lead', ARRAY['VIEW_ACCOUNT'])""").param("p", portfolio.id()).update();
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String invitations = "/console/portfolios/" + portfolio.id() + "/review/invitation";
        String typed = "ann@brand.example\nbob@brand.example";

        HttpResponse<String> noAccount =
                browser.post(invitations, Map.of("emails", typed, "language", "de", "_csrf", browser.csrf()));

        assertThat(noAccount.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(noAccount.body()))
                .contains("id=\"problem\"", "accounts")
                .containsPattern("<label for=\"again-account-\\d\">Brand Lisbon</label>")
                .containsPattern("<label for=\"again-account-\\d\">Brand Porto</label>")
                .contains("<option value=\"AREA_LEAD\">Area lead</option>")
                .doesNotContain("id=\"confirm\"");
        // The accounts the refusal names are what it points at and where the focus goes.
        assertThat(tag(noAccount.body(), "fieldset", null)).contains("aria-describedby=\"problem-text\"");
        assertThat(tag(noAccount.body(), "input", "again-account-0")).containsPattern("\\sautofocus[\\s=>]");
        assertThat(tag(noAccount.body(), "textarea", "emails")).doesNotContain("aria-invalid", "autofocus");
        Map<String, String> asSent = ConsoleBrowser.formFields(noAccount.body(), "invitation-again");
        assertThat(asSent)
                .containsEntry("emails", typed)
                .containsEntry("language", "de")
                .containsEntry("role-" + lisbon, "SUPPORT")
                .doesNotContainKey("accountIds");

        // Lisbon ticked with the custom role, which another administrator deletes meanwhile.
        Map<String, String> withLisbon = new LinkedHashMap<>(asSent);
        withLisbon.put("accountIds", lisbon.toString());
        withLisbon.put("role-" + lisbon, "AREA_LEAD");
        jdbc.sql("DELETE FROM jobs.account_roles WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .update();
        HttpResponse<String> deletedRole = browser.post(invitations, withLisbon);

        assertThat(ConsoleBrowser.unescape(deletedRole.body()))
                .contains("id=\"problem\"", "AREA_LEAD")
                .doesNotContain("id=\"confirm\"", "<option value=\"AREA_LEAD\"");
        // The refused role is marked, and points at the problem's text, as the other fields' refusals do.
        assertThat(tag(deletedRole.body(), "select", "again-role-0"))
                .contains("aria-invalid=\"true\"", "aria-describedby=\"problem-text\"");
        assertThat(tag(deletedRole.body(), "select", "again-role-1"))
                .doesNotContain("aria-invalid", "aria-describedby");
        Map<String, String> toCorrect = ConsoleBrowser.formFields(deletedRole.body(), "invitation-again");
        assertThat(toCorrect)
                .as("Lisbon still ticked, its role to choose again")
                .containsEntry("accountIds", lisbon.toString())
                .containsEntry("role-" + lisbon, "")
                .containsEntry("role-" + porto, "SUPPORT")
                .containsEntry("language", "de")
                .containsEntry("emails", typed);

        Map<String, String> corrected = new LinkedHashMap<>(toCorrect);
        corrected.put("role-" + lisbon, "MANAGER");
        HttpResponse<String> review = browser.post(invitations, corrected);

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body()))
                .doesNotContain("id=\"problem\"")
                .contains("ann@brand.example", "bob@brand.example", "Manager", "id=\"confirm\"");
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"language\":\"de\"", "\"accountId\":\"" + lisbon + "\"", "\"role\":\"MANAGER\"")
                .doesNotContain(porto.toString());
    }

    /**
     * An offboarding removes access to the portfolio's accounts, not a portfolio role: its review names
     * each offboarded person who administers the portfolio, with their role, and where to remove it;
     * the review of a plain user's offboarding has no such notice. Before, nothing said that an Admin
     * offboarded this way went on administering the portfolio.
     */
    @Test
    void anOffboardingReviewNamesThePortfolioUsersItLeavesTheirRole() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID paris = portfolio.account("Brand Paris");
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        UUID carl = portfolio.user("carl");
        portfolio
                .member(paris, ann, AccountRole.ANALYST)
                .member(paris, bob, AccountRole.ANALYST)
                .member(paris, carl, AccountRole.ANALYST);
        jdbc.sql("INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)"
                        + " VALUES (:p, 'HR_LEAD', 'HR lead', '{USER_MANAGEMENT_VIEW}')")
                .param("p", portfolio.id())
                .update();
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)"
                        + " VALUES (:p, :ann, :annEmail, 'ADMIN'), (:p, :carl, :carlEmail, 'HR_LEAD')")
                .param("p", portfolio.id())
                .param("ann", ann)
                .param("annEmail", portfolio.email("ann"))
                .param("carl", carl)
                .param("carlEmail", portfolio.email("carl"))
                .update();
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String review = "/console/portfolios/" + portfolio.id() + "/review";
        String csrf = "_csrf=" + URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8);

        HttpResponse<String> offboarding = browser.postEncoded(
                review,
                csrf + "&action=offboard&userIds=" + ann + "&userIds=" + bob + "&userIds=" + carl + "&role=SUPPORT");

        assertThat(offboarding.statusCode()).as(offboarding.body()).isEqualTo(200);
        String page = ConsoleBrowser.unescape(offboarding.body());
        assertThat(page).contains("id=\"changes\">3<", "id=\"confirm\"", "id=\"portfolio-users-kept\"");
        String notice = page.substring(
                page.indexOf("id=\"portfolio-users-kept\""),
                page.indexOf("</div>", page.indexOf("portfolio-users-kept")));
        assertThat(notice)
                .contains("will still administer the portfolio")
                .containsPattern("<span>" + Pattern.quote(portfolio.email("ann")) + "</span>:\\s*<span>Admin</span>")
                .containsPattern("<span>" + Pattern.quote(portfolio.email("carl")) + "</span>:\\s*<span>HR lead</span>")
                .contains("href=\"/console/portfolios/" + portfolio.id() + "/admin\">Administration</a>")
                .doesNotContain(portfolio.email("bob"));

        HttpResponse<String> plain =
                browser.postEncoded(review, csrf + "&action=offboard&userIds=" + bob + "&role=SUPPORT");

        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(plain.body()))
                .contains("id=\"changes\">1<", "id=\"confirm\"")
                .doesNotContain("portfolio-users-kept", "will still administer the portfolio");
    }

    /**
     * An offboarding's review offers "Change the offboarding": the bulk bar's form as it was sent (the
     * users ticked, by address, the account ticked first then the others offered, the role chosen), from
     * which a removal is reviewed, whose review offers "Change the removal" in turn. A removal the API
     * refuses (no account ticked) offers the form to correct with the users still ticked. Before, these
     * reviews had only Cancel and Back to Users, to an empty form: the users ticked were to find again.
     */
    @Test
    void anOffboardingOrRemovalReviewOffersItsFormBackAsSentToChangeAndReviewAgain() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID paris = portfolio.account("Brand Paris");
        UUID oslo = portfolio.account("Brand Oslo");
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        portfolio.member(paris, ann, AccountRole.ANALYST).member(oslo, ann, AccountRole.ANALYST);
        portfolio.member(paris, bob, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String review = "/console/portfolios/" + portfolio.id() + "/review";
        String csrf = "_csrf=" + URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8);

        // As the bulk bar sends Offboard: the users and also the account ticked and the role chosen.
        HttpResponse<String> offboarding = browser.postEncoded(
                review,
                csrf + "&action=offboard&userIds=" + ann + "&userIds=" + bob + "&accountIds=" + oslo + "&role=MANAGER");

        assertThat(offboarding.statusCode()).as(offboarding.body()).isEqualTo(200);
        String offboardingPage = ConsoleBrowser.unescape(offboarding.body());
        assertThat(offboardingPage)
                .contains("id=\"changes\">3<", "id=\"confirm\"", "<summary>Change the offboarding</summary>")
                .contains("<span>" + portfolio.email("ann") + "</span>", "<span>" + portfolio.email("bob") + "</span>")
                .containsPattern("value=\"" + paris + "\"> <span>Brand Paris</span>");
        String form = offboardingPage.substring(offboardingPage.indexOf("id=\"bulk-again\""));
        assertThat(form.indexOf("Brand Oslo")).as("the account ticked first").isLessThan(form.indexOf("Brand Paris"));
        List<Map.Entry<String, String>> asSent = ConsoleBrowser.formEntries(offboarding.body(), "bulk-again");
        assertThat(asSent)
                .filteredOn(field ->
                        !field.getKey().equals("_csrf") && !field.getKey().equals("formKey"))
                .containsExactly(
                        Map.entry("userIds", ann.toString()),
                        Map.entry("userIds", bob.toString()),
                        Map.entry("accountIds", oslo.toString()),
                        Map.entry("role", "MANAGER"));

        // Changed: Bob alone, Paris instead of Oslo, and Remove access.
        List<Map.Entry<String, String>> changed = new ArrayList<>(asSent);
        changed.remove(Map.entry("userIds", ann.toString()));
        changed.remove(Map.entry("accountIds", oslo.toString()));
        changed.add(Map.entry("accountIds", paris.toString()));
        changed.add(Map.entry("action", "remove-access"));
        HttpResponse<String> removal = browser.postEncoded(review, ConsoleBrowser.encode(changed));

        assertThat(removal.statusCode()).as(removal.body()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(removal.body()))
                .contains(
                        "<strong>Remove access</strong>", "id=\"changes\">1<", "<summary>Change the removal</summary>")
                .doesNotContain(portfolio.email("ann"));
        assertThat(ConsoleBrowser.hiddenFields(removal.body(), "confirm").get("request"))
                .isEqualTo("{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"" + bob + "\"],\"accountIds\":[\"" + paris
                        + "\"]}");
        assertThat(ConsoleBrowser.formEntries(removal.body(), "bulk-again"))
                .filteredOn(field ->
                        !field.getKey().equals("_csrf") && !field.getKey().equals("formKey"))
                .containsExactly(
                        Map.entry("userIds", bob.toString()),
                        Map.entry("accountIds", paris.toString()),
                        Map.entry("role", "MANAGER"));

        // A removal on no account, which the API refuses: the form to correct, Bob still ticked.
        HttpResponse<String> refused =
                browser.postEncoded(review, csrf + "&action=remove-access&userIds=" + bob + "&role=SUPPORT");

        assertThat(refused.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(refused.body()))
                .contains("id=\"problem\"", "accountIds")
                .doesNotContain("id=\"confirm\"");
        assertThat(ConsoleBrowser.formEntries(refused.body(), "bulk-again"))
                .contains(Map.entry("userIds", bob.toString()))
                .doesNotContain(Map.entry("accountIds", paris.toString()));
        assertThat(tag(refused.body(), "select", "again-role")).doesNotContain("aria-invalid", "aria-describedby");

        // A role change to a role the portfolio does not have, which the API refuses naming the role: the New
        // role list is marked and points at the problem's text, as the other fields' refusals do.
        HttpResponse<String> unknownRole = browser.postEncoded(
                review, csrf + "&action=change-role&userIds=" + bob + "&accountIds=" + paris + "&role=FRANCHISEE");

        assertThat(unknownRole.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(unknownRole.body()))
                .contains("id=\"problem\"")
                .doesNotContain("id=\"confirm\"");
        assertThat(tag(unknownRole.body(), "select", "again-role"))
                .contains("aria-invalid=\"true\"", "aria-describedby=\"problem-text\"");
    }

    /**
     * Addresses pasted from a document or a web page, or typed with a CJK keyboard, are separated by
     * spaces Java's {@code \s} does not match: a no-break space, an ideographic space, a line
     * separator, a zero-width space (and a byte order mark before the first). Each is a separator, so the
     * review lists every address; before, two addresses with such a space between them were one the API
     * refused.
     */
    @Test
    void addressesSeparatedByUnicodeSpacesAreReviewedOneByOne() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String pasted = "\uFEFFann@brand.example\u00A0bob@brand.example\u3000cy@brand.example\u200Bdee@brand.example"
                + "\u2028eve@brand.example\u00A0";

        HttpResponse<String> review = reviewSupportInvitation(browser, portfolio, lisbon, pasted);

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body())).doesNotContain("id=\"problem\"");
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"emails\":[\"ann@brand.example\",\"bob@brand.example\",\"cy@brand.example\","
                        + "\"dee@brand.example\",\"eve@brand.example\"]");
    }

    /**
     * A CJK input method types commas and semicolons of its own (full-width, ideographic, small), an
     * Arabic keyboard its comma and semicolon: each separates addresses as ',' and ';' do, so the review
     * lists every address; before, the list was sent as one address, which the API refused. An
     * ideographic full stop stays in its address: IDNA reads it as a domain's dot.
     */
    @Test
    void addressesSeparatedByCjkAndArabicCommasAndSemicolonsAreReviewedOneByOne() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String typed = "ann@brand.example\uFF0Cbob@brand.example\u3001cy@brand.example\uFF1Bdee@brand.example"
                + "\uFE50eve@brand.example\uFE54fay@brand.example\uFF64gus@brand.example\uFE51hal@brand.example"
                + "\u060Cida@brand.example\u061Bjo@brand\u3002example \uFF0C ";

        HttpResponse<String> review = reviewSupportInvitation(browser, portfolio, lisbon, typed);

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body())).doesNotContain("id=\"problem\"");
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"emails\":[\"ann@brand.example\",\"bob@brand.example\",\"cy@brand.example\","
                        + "\"dee@brand.example\",\"eve@brand.example\",\"fay@brand.example\",\"gus@brand.example\","
                        + "\"hal@brand.example\",\"ida@brand.example\",\"jo@brand\u3002example\"]");
    }

    /**
     * A list copied from a mail program or a spreadsheet names each address, {@code Anna Smith
     * <anna@brand.example>}, the name quoted or not (a quoted one may hold a comma): the review invites
     * the addresses alone. Before, each word of a name was an address of its own, and refused.
     */
    @Test
    void namedAddressesPastedFromAMailProgramAreReviewedByTheirAddresses() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String pasted = "Anna Smith <anna@brand.example>; Bob <bob@brand.example>\n"
                + "\"Doe, Cy\" <cy@brand.example>, dee@brand.example Eve Ng <eve@brand.example>";

        HttpResponse<String> review = reviewSupportInvitation(browser, portfolio, lisbon, pasted);

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body())).doesNotContain("id=\"problem\"");
        assertThat(review.body()).contains("id=\"changes\">5<");
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"emails\":[\"anna@brand.example\",\"bob@brand.example\",\"cy@brand.example\","
                        + "\"dee@brand.example\",\"eve@brand.example\"]");
    }

    /**
     * A long paste with no address in angle brackets is read in one pass: 200,000 characters of spaces
     * between two addresses are reviewed as those two, and 200,000 characters of words ("a a a ...")
     * before a named address are refused as typed, each within seconds. Before, every word start was
     * read again to the end of its line: 40,000 characters held the gateway 58 s, 200,000 many minutes.
     */
    @Test
    void aLongPasteWithoutNamedAddressesIsReviewedWithinSeconds() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String spaced = "Ann <ann@brand.example>" + " ".repeat(200_000) + "bob@brand.example";
        String words = "a ".repeat(100_000) + "\nAnn <ann@brand.example>";
        String quotes = "\"" + "\\\"".repeat(100_000) + "\nBob <bob@brand.example>";

        Map<String, HttpResponse<String>> reviews = new LinkedHashMap<>();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (String pasted : List.of(spaced, words, quotes)) {
                reviews.put(pasted, reviewSupportInvitation(browser, portfolio, lisbon, pasted));
            }
        });

        HttpResponse<String> review = reviews.get(spaced);
        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body())).doesNotContain("id=\"problem\"");
        assertThat(review.body()).contains("id=\"changes\">2<");
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"emails\":[\"ann@brand.example\",\"bob@brand.example\"]");
        for (String refused : List.of(words, quotes)) {
            HttpResponse<String> page = reviews.get(refused);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(ConsoleBrowser.unescape(page.body()))
                    .contains("id=\"problem\"")
                    .doesNotContain("id=\"confirm\"");
            assertThat(ConsoleBrowser.formFields(page.body(), "invitation-again"))
                    .containsEntry("emails", refused);
        }
    }

    /**
     * An invitation list larger than a console form may be (2 MB; here 90,000 addresses) is refused on
     * the console's page, which says to split it or to use the API: the API's problem JSON reached the
     * browser. A smaller list (60,000 addresses) whose review's Confirm would send more than that (the
     * reviewed request, as JSON) is refused the same way instead of showing a review that cannot be
     * confirmed.
     */
    @Test
    void aListTooLargeForAConsoleFormIsAConsolePageSayingToSplitIt() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        for (int addresses : new int[] {90_000, 60_000}) {
            Map<String, String> form = Map.of(
                    "emails",
                    IntStream.range(0, addresses)
                            .mapToObj(i -> "invitee-" + i + "@brand.example")
                            .collect(Collectors.joining("\n")),
                    "accountIds",
                    lisbon.toString(),
                    "_csrf",
                    browser.csrf());
            assertThat(ConsoleBrowser.encode(form).length())
                    .as("bytes of the form of %d addresses", addresses)
                    .isGreaterThan(addresses == 90_000 ? 2 * 1024 * 1024 : 0)
                    .isLessThan(addresses == 90_000 ? Integer.MAX_VALUE : 2 * 1024 * 1024);

            HttpResponse<String> refused =
                    browser.post("/console/portfolios/" + portfolio.id() + "/review/invitation", form);

            assertThat(refused.statusCode()).as("%d addresses", addresses).isEqualTo(413);
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
            assertThat(refused.body())
                    .contains("<title>This list is too large for the console · Portfolio Bulk Access</title>")
                    .contains("A console form may be at most 2 MB, so nothing was changed.")
                    .contains("Split the list into smaller ones and review each in turn, or send it as one job"
                            + " through the API (POST /api/v1/portfolios/{portfolioId}/bulk-jobs), which takes up"
                            + " to 5 MB.")
                    .doesNotContain("id=\"confirm\"");
        }
    }

    /**
     * The largest forms the console's settings let it show are read whole: here the Users page's bulk
     * bar as it is with {@code page-size} and {@code account-choices} at their largest, 500 users ticked
     * and 500 accounts, 1,004 fields. A form of more fields than the gateway reads ({@code
     * server.tomcat.max-parameter-count}, 2,500) changes nothing and is answered a console page saying
     * so. Before, more than 1,000 fields (Tomcat's limit) were a bare "Bad Request" page.
     */
    @Test
    void aBulkFormOfAFullPageAndEveryAccountIsReviewedAndOneOfTooManyFieldsIsAPageSayingSo() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio(500);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        StringBuilder form = new StringBuilder("action=offboard&role=SUPPORT&formKey=" + UUID.randomUUID() + "&_csrf="
                + URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8));
        for (DirectorySeed.OwnedAccount account : portfolio.ownedAccounts()) {
            form.append("&userIds=")
                    .append(account.ownerId())
                    .append("&accountIds=")
                    .append(account.id());
        }
        String review = "/console/portfolios/" + portfolio.id() + "/review";

        HttpResponse<String> reviewed = browser.postEncoded(review, form.toString());
        HttpResponse<String> refused = browser.postEncoded(review, form + "&userIds=x".repeat(1500));

        assertThat(reviewed.statusCode()).as(reviewed.body()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(reviewed.body())).contains("id=\"summary\"");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(ConsoleBrowser.unescape(refused.body()))
                .contains("<h1>This form has too many fields</h1>")
                .contains("A console form may send at most 2500 fields (server.tomcat.max-parameter-count), so"
                        + " nothing was changed.");
    }

    /**
     * The Users page offers the languages the invitation e-mails are written in, no other: it offered
     * Italiano and Nederlands, whose invitations then went out in English.
     */
    @Test
    void theLanguagesOfferedForAnInvitationAreThoseItsEmailIsWrittenIn() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.account("Brand Lisbon");
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");

        assertThat(users.statusCode()).isEqualTo(200);
        String page = ConsoleBrowser.unescape(users.body());
        String select = page.substring(
                page.indexOf("<select id=\"language\""),
                page.indexOf("</select>", page.indexOf("<select id=\"language\"")));
        Matcher option = Pattern.compile("<option value=\"([a-z]+)\"[^>]*>([^<]+)</option>")
                .matcher(select);
        Map<String, String> offered = new LinkedHashMap<>();
        while (option.find()) {
            offered.put(option.group(1), option.group(2));
        }
        assertThat(offered)
                .containsExactly(
                        Map.entry("en", "English"),
                        Map.entry("de", "Deutsch"),
                        Map.entry("fr", "Français"),
                        Map.entry("es", "Español"));
        assertThat(offered.keySet()).containsExactlyInAnyOrderElementsOf(InvitationLanguages.NAMES.keySet());
    }

    /**
     * An invitation to one more account from a user's profile is in the language chosen there: it was
     * always in English, with no way to choose, although the Users page offers the languages.
     */
    @Test
    void anInvitationFromAUsersProfileIsInTheLanguageChosenThere() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        UUID porto = portfolio.account("Brand Porto");
        UUID ann = portfolio.user("ann");
        portfolio.member(lisbon, ann, com.portfoliobulk.contracts.AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> profile = browser.get("/console/portfolios/" + portfolio.id() + "/users/" + ann);
        assertThat(profile.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(profile.body()))
                .contains("<option value=\"de\">Deutsch</option>")
                .contains("<title>" + portfolio.email("ann") + ", user profile · Portfolio " + portfolio.id()
                        + " · Portfolio Bulk Access</title>");

        HttpResponse<String> review = browser.post(
                "/console/portfolios/" + portfolio.id() + "/users/" + ann + "/review",
                Map.of(
                        "accountId",
                        porto.toString(),
                        "email",
                        portfolio.email("ann"),
                        "currentRole",
                        "",
                        "role",
                        "SUPPORT",
                        "language",
                        "de",
                        "_csrf",
                        browser.csrf()));

        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.hiddenFields(review.body(), "confirm").get("request"))
                .contains("\"type\":\"INVITE_USERS\"", "\"language\":\"de\"");
    }

    /**
     * An account where the user's invitation expired, not yet deleted by the expiry sweep, offers an
     * invitation again on the profile: it offered a role change, which the job then skipped NOT_A_MEMBER.
     */
    @Test
    void aUsersProfileOffersAnInvitationWhereTheirInvitationExpired() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        UUID porto = portfolio.account("Brand Porto");
        UUID ann = portfolio.user("ann");
        portfolio
                .member(lisbon, ann, AccountRole.ANALYST)
                .invited(porto, ann, AccountRole.SUPPORT, Instant.now().minusSeconds(3600));
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("editor-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_EDIT", portfolio);

        HttpResponse<String> profile = browser.get("/console/portfolios/" + portfolio.id() + "/users/" + ann);

        assertThat(profile.body())
                .contains("aria-label=\"Review invitation to Brand Porto\">Review invitation</button>")
                .contains("aria-label=\"Review change on Brand Lisbon\">Review change</button>");
    }

    /** The page's start tag of this element with this id (the first such element when {@code id} is null). */
    private static String tag(String page, String element, String id) {
        Matcher tag = Pattern.compile("<" + element + "(\\s[^>]*)?"
                        + (id == null ? "" : "\\sid=\"" + Pattern.quote(id) + "\"[^>]*") + ">")
                .matcher(page);
        assertThat(tag.find()).as(id + " in " + page).isTrue();
        return tag.group();
    }

    /** Reviews an invitation of {@code emails}, in English, to {@code account} with the role SUPPORT. */
    private static HttpResponse<String> reviewSupportInvitation(
            ConsoleBrowser browser, DirectorySeed.Portfolio portfolio, UUID account, String emails) throws Exception {
        return browser.post(
                "/console/portfolios/" + portfolio.id() + "/review/invitation",
                Map.of(
                        "emails",
                        emails,
                        "language",
                        "en",
                        "accountIds",
                        account.toString(),
                        "role-" + account,
                        "SUPPORT",
                        "_csrf",
                        browser.csrf()));
    }
}
