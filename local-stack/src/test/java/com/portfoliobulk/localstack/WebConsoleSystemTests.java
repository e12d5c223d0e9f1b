package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.Rectangle;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The web console in a real headless Chromium against the started stack (gateway, worker,
 * audit-consumer): what an administrator sees and does, end to end.
 */
class WebConsoleSystemTests {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final ServiceStack stack = TestStack.get();

    private ConsoleBrowser browser;

    @BeforeEach
    void openBrowser() {
        browser = ConsoleBrowser.open(stack.gatewayUrl());
    }

    @AfterEach
    void closeBrowser() {
        ConsoleBrowser.closeIfOpen(browser);
    }

    @Test
    void ownerFindsALeaverOffboardsThemThroughReviewChangesAndSeesTheJobCompleteAndTheActivityEntry() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        UserRef leaver = portfolio.addUser("leaver", AccountRole.ANALYST, portfolio.accounts());
        portfolio.addUser("stayer", AccountRole.MANAGER, portfolio.accounts());
        String admin = "admin-" + UUID.randomUUID() + "@agency.example";

        browser.signIn(admin, "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(browser.driver().getTitle()).startsWith("Users");
        assertThat(browser.findAll("tr.user-row")).hasSize(5);
        // The count and "select all" the page serves hidden, which work with the page script only.
        assertThat(browser.find("#selection").isDisplayed()).isTrue();
        browser.find("#select-all").click();
        assertThat(browser.text("#selected-count")).isEqualTo("5");
        browser.find("#select-all").click();
        assertThat(browser.text("#selected-count")).isEqualTo("0");
        assertThat(browser.findAll("#account option")).hasSize(4);
        findAccounts("Brand 2 ", portfolio.account(1));
        assertThat(browser.findAll("#invite input[name=accountIds]")).hasSize(1);
        browser.find("#q").sendKeys(leaver.email());
        awaitOnlyUserListed(leaver.email());
        assertThat(browser.driver().getCurrentUrl()).contains("q=");
        assertThat(browser.find("#select-all").isDisplayed())
                .as("select all in the list htmx swapped in")
                .isTrue();
        browser.find("tr.user-row input.pick").click();
        assertThat(browser.text("#selected-count")).isEqualTo("1");
        browser.screenshot("users-tab");
        browser.find("#offboard").click();
        browser.awaitPage("Review changes");

        assertThat(browser.driver().getTitle()).startsWith("Review changes");
        assertThat(browser.text("#changes")).isEqualTo("3");
        assertThat(browser.text("#skipped")).isEqualTo("0");
        assertThat(browser.findAll("table.preview tbody tr")).hasSize(3);
        browser.screenshot("review-changes");

        // "Change the offboarding" opens the bulk bar's form as it was sent, the leaver ticked by address;
        // reviewed again from it, it is the same offboarding.
        assertThat(browser.find("#bulk-again").isDisplayed()).isFalse();
        browser.find("#change-request summary").click();
        assertThat(browser.findAll("#bulk-again input[name=userIds]"))
                .extracting(box -> box.getAttribute("value") + (box.isSelected() ? " ticked" : ""))
                .containsExactly(leaver.userId() + " ticked");
        assertThat(browser.text("#bulk-again fieldset label")).isEqualTo(leaver.email());
        WebElement reviewed = browser.find("#changes");
        browser.find("#again-offboard").click();
        await().atMost(PATIENCE)
                .until(() -> ExpectedConditions.stalenessOf(reviewed).apply(browser.driver()));
        browser.awaitPage("Review changes");
        assertThat(browser.text("#changes")).isEqualTo("3");
        assertThat(browser.find("#bulk-again").isDisplayed()).isFalse();
        browser.find("#confirm").click();

        assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");
        assertThat(browser.text("#count-succeeded")).isEqualTo("3");
        assertThat(browser.text("#count-pending")).isEqualTo("0");
        assertThat(browser.findAll("tr.task td.outcome"))
                .extracting(WebElement::getText)
                .containsOnly("Succeeded")
                .hasSize(3);
        assertThat(browser.findAll("#cancel-job")).isEmpty();
        browser.screenshot("job-completed");

        browser.find("tr.task a").click();
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            browser.driver().navigate().refresh();
            assertThat(browser.findAll("li.entry .summary-text"))
                    .extracting(WebElement::getText)
                    .anySatisfy(summary -> assertThat(summary)
                            .contains(leaver.email())
                            .contains(admin)
                            .contains("from the portfolio level"));
        });
        browser.screenshot("activity-log");

        browser.go("/console/portfolios/" + portfolio.id() + "/users?q=" + leaver.email());
        assertThat(browser.findAll("tr.user-row")).isEmpty();
    }

    /**
     * A review that skips part of the change (here the leaver is the Owner of one of their accounts)
     * lists the skipped row in the table, where the administrator can read it and its reason beside
     * the change that will be made, before confirming.
     */
    @Test
    void aSkippedRowIsShownWithItsReason() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef leaver = portfolio.owner(portfolio.account(0));
        portfolio.grant(leaver, AccountRole.ANALYST, portfolio.account(1));

        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users?q=" + leaver.email());
        browser.reviewOffboardingOfTheListedUser();

        assertThat(browser.text("#changes")).isEqualTo("1");
        assertThat(browser.text("#skipped")).isEqualTo("1");
        WebElement skipped = browser.find("table.preview tbody tr.skip");
        assertThat(skipped.isDisplayed()).as("the skipped row is displayed").isTrue();
        Rectangle table = browser.find("table.preview").getRect();
        Rectangle row = skipped.getRect();
        assertThat(row.getX()).as("the row's left edge").isGreaterThanOrEqualTo(table.getX());
        assertThat(row.getX() + row.getWidth())
                .as("the row's right edge")
                .isLessThanOrEqualTo(table.getX() + table.getWidth());
        assertThat(row.getY()).as("the row's top").isGreaterThan(table.getY());
        assertThat(row.getY() + row.getHeight())
                .as("the row's bottom")
                .isLessThanOrEqualTo(table.getY() + table.getHeight());
        assertThat(skipped.getText()).contains(leaver.email()).contains("Skipped: Owner protected");
        browser.screenshot("review-with-skipped-row");
    }

    /**
     * Finding accounts by name keeps the filters the list was narrowed with as they were typed (the
     * list follows them without reloading the page), not as the page first showed them.
     */
    @Test
    void findAccountsKeepsTheFiltersTypedBeforeIt() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        portfolio.addUser("bob", AccountRole.ANALYST, portfolio.accounts());
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        browser.find("#q").sendKeys(ann.email());
        awaitOnlyUserListed(ann.email());

        findAccounts("Brand 2 ", portfolio.account(1));
        assertThat(browser.find("#q").getDomProperty("value")).isEqualTo(ann.email());
        assertThat(browser.findAll("tr.user-row"))
                .extracting(row -> row.getAttribute("data-email"))
                .containsExactly(ann.email());
    }

    /**
     * Paging the Users list with the keyboard keeps the focus in the list: Enter on Next page to the
     * last page (which has no Next page), then on First page (which the first page does not have),
     * leaves the focus on the list htmx swapped in, from where Tab goes on through its rows. Before,
     * the focus fell back to the page's top, and the next Tab started at the navigation again.
     */
    @Test
    void pagingTheUsersWithTheKeyboardKeepsTheFocusOnTheList() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        for (int user = 0; user < 50; user++) {
            portfolio.addUser("paged", AccountRole.ANALYST, portfolio.accounts());
        }
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(browser.findAll("tr.user-row")).hasSize(50);

        browser.find("#next-page").sendKeys(Keys.ENTER);

        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            assertThat(browser.driver().getCurrentUrl()).contains("cursor=");
            assertThat(browser.findAll("tr.user-row")).hasSize(1);
        });
        assertThat(browser.findAll("#next-page")).isEmpty();
        assertThat(focused()).as("the focus after Next page to the last page").isEqualTo("results");

        browser.driver().findElement(By.linkText("First page")).sendKeys(Keys.ENTER);

        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            assertThat(browser.driver().getCurrentUrl()).doesNotContain("cursor=");
            assertThat(browser.findAll("tr.user-row")).hasSize(50);
        });
        assertThat(focused()).as("the focus after First page").isEqualTo("results");
    }

    /** The id of the element that has the focus, or "body" when none has. */
    private String focused() {
        return (String) ((JavascriptExecutor) browser.driver())
                .executeScript("var active = document.activeElement;"
                        + " return !active || active === document.body ? 'body' : active.id;");
    }

    /**
     * A filter the API refuses (here a role taken away since the page was read, as another
     * administrator deleting a custom role would) shows the API's refusal instead of leaving the old
     * list in place as if nothing happened.
     */
    @Test
    void aSearchTheApiRefusesShowsItsRefusal() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        portfolio.addUser("kept", AccountRole.ANALYST, portfolio.accounts());
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(browser.findAll("tr.user-row")).isNotEmpty();

        ((JavascriptExecutor) browser.driver()).executeScript("""
                var role = document.getElementById("role");
                role.add(new Option("Retired role", "RETIRED_ROLE"));
                role.value = "RETIRED_ROLE";
                role.dispatchEvent(new Event("change", {bubbles: true}));
                """);

        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(browser.text("main [role=alert]")).contains("Unknown role 'RETIRED_ROLE'"));
        assertThat(browser.findAll("tr.user-row")).isEmpty();
        assertThat(browser.driver().getCurrentUrl()).contains("role=RETIRED_ROLE");
    }

    /**
     * Back to an earlier search after the sign-in has ended (here as an operator ends it, by deleting
     * the stored session) opens the sign-in page, instead of the address bar naming the earlier search
     * while the later one's list stays on screen.
     */
    @Test
    void backToAnEarlierSearchAfterTheSignInEndedOpensTheSignInPage() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        UserRef bob = portfolio.addUser("bob", AccountRole.ANALYST, portfolio.accounts());
        String admin = "admin-" + UUID.randomUUID() + "@agency.example";
        browser.signIn(admin, "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        search(ann.email());
        search(bob.email());

        assertThat(JdbcClient.create(TestStack.database())
                        .sql("DELETE FROM jobs.console_sessions WHERE principal_name = ?")
                        .param(admin)
                        .update())
                .isOne();
        browser.driver().navigate().back();

        await().atMost(PATIENCE)
                .untilAsserted(
                        () -> assertThat(browser.driver().getCurrentUrl()).contains("/console/sign-in"));
        browser.awaitPage("Sign in");
        assertThat(browser.findAll("tr.user-row")).isEmpty();
    }

    /**
     * Back to an earlier search the API refuses since (its custom role deleted by another
     * administrator) shows the refusal, instead of the later search's list under the earlier address.
     */
    @Test
    void backToAnEarlierSearchTheApiNowRefusesShowsItsRefusal() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        portfolio.addUser("kept", AccountRole.ANALYST, portfolio.accounts());
        JdbcClient jobs = JdbcClient.create(TestStack.database());
        jobs.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (?, 'AREA_LEAD', 'Area lead', ARRAY['VIEW_ACCOUNT'])
                        """).param(portfolio.id()).update();
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        new Select(browser.find("#role")).selectByValue("AREA_LEAD");
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            assertThat(browser.driver().getCurrentUrl()).contains("role=AREA_LEAD");
            assertThat(browser.findAll("tr.user-row")).isEmpty();
        });
        new Select(browser.find("#role")).selectByValue("");
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            assertThat(browser.driver().getCurrentUrl()).doesNotContain("AREA_LEAD");
            assertThat(browser.findAll("tr.user-row")).isNotEmpty();
        });

        jobs.sql("DELETE FROM jobs.account_roles WHERE portfolio_id = ?")
                .param(portfolio.id())
                .update();
        browser.driver().navigate().back();

        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(browser.text("main [role=alert]")).contains("Unknown role 'AREA_LEAD'"));
        assertThat(browser.findAll("tr.user-row")).isEmpty();
        assertThat(browser.driver().getCurrentUrl()).contains("role=AREA_LEAD");
    }

    /**
     * A job page whose polls the API refuses for good (here the job is gone while its page is open)
     * reloads and shows the refusal, and stops polling, instead of keeping the last progress on screen
     * as if the job were still running.
     */
    @Test
    void aJobPageWhosePollsAreRefusedShowsTheRefusalAndStopsPolling() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        JdbcClient jobs = JdbcClient.create(TestStack.database());
        UUID jobId = UUID.randomUUID();
        // A running job that nothing moves on: its page polls for as long as it is open.
        jobs.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, relay_done)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', 'IN_PROGRESS', gen_random_uuid(),
                                'admin@agency.example', 1, 1, true)
                        """).param("id", jobId).param("portfolio", portfolio.id()).update();
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/jobs/" + jobId);
        assertThat(browser.text("#job-status")).isEqualTo("IN_PROGRESS");
        assertThat(browser.find("#progress").getAttribute("hx-get")).isNotNull();

        jobs.sql("DELETE FROM jobs.bulk_jobs WHERE id = ?").param(jobId).update();

        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(browser.text("main [role=alert]")).contains("There is no job " + jobId));
        assertThat(browser.findAll("#progress"))
                .as("the polling progress panel")
                .isEmpty();
        assertThat(browser.driver().getCurrentUrl()).endsWith("/jobs/" + jobId);
    }

    /**
     * Long e-mail addresses (the signed-in administrator's in the top bar, a user's in the Users table
     * and as the profile's heading) and a long custom role name (in the profile's role selectors) wrap
     * instead of making the pages wider than a phone's or a tablet's screen.
     */
    @Test
    void longAddressesAndRoleNamesFitAPhoneAndATablet() {
        // Enough accounts that a user's access chips fill more than a wide screen's line.
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 12);
        // No hyphen, where a browser may break a line: a UUID's digits alone keep the addresses unique.
        String unique = UUID.randomUUID().toString().replace("-", "");
        UserRef longAddress = portfolio.addUserAt(
                "firstname.lastname." + unique + "@brand.example", AccountRole.ANALYST, portfolio.accounts());
        JdbcClient.create(TestStack.database())
                .sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (?, 'REGIONAL_LEAD', ?, ARRAY['VIEW_ACCOUNT'])
                        """)
                .param(portfolio.id())
                .param("Regional marketing and communications lead for the Nordic area")
                .update();
        String admin = "administrator." + unique + "@agency.example";
        assertThat(longAddress.email()).hasSizeGreaterThanOrEqualTo(60);

        browser.signIn(admin, "OWNER", portfolio.id());
        browser.width(390);
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(browser.text(".me")).isEqualTo(admin);
        assertThat(browser.findAll("tr.user-row"))
                .extracting(WebElement::getText)
                .anySatisfy(row -> assertThat(row).contains(longAddress.email()));
        browser.assertFits();
        browser.go("/console/portfolios/" + portfolio.id() + "/users/" + longAddress.userId());
        assertThat(browser.text("h1")).isEqualTo(longAddress.email());
        assertThat(new Select(browser.find("#role-0")).getOptions())
                .extracting(WebElement::getText)
                .contains("Regional marketing and communications lead for the Nordic area");
        browser.assertFits();

        browser.width(768);
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        browser.assertFits();
        browser.go("/console/portfolios/" + portfolio.id() + "/users/" + longAddress.userId());
        browser.assertFits();

        // On a wide screen a usual address stays on one line beside its many access chips; wrapping anywhere
        // had let the chips squeeze the address column to a few letters a line.
        UserRef usual = portfolio.addUserAt(
                "ada." + unique.substring(0, 8) + "@brandpartners.example", AccountRole.ANALYST, portfolio.accounts());
        browser.width(1280);
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        WebElement address = browser.find("tr.user-row[data-email='" + usual.email() + "'] td.email a");
        assertThat(((Number) ((JavascriptExecutor) browser.driver())
                                .executeScript("return arguments[0].getClientRects().length", address))
                        .intValue())
                .as("lines of %s on a wide screen", usual.email())
                .isEqualTo(1);
        browser.assertFits();
    }

    @Test
    void ownerInvitesTwoAddressesToThreeAccountsWithARolePerAccount() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        String first = TestPortfolio.newEmail("invitee-one");
        String second = TestPortfolio.newEmail("invitee-two");

        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "USER_MANAGEMENT_EDIT", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        browser.find("#invite summary").click();
        browser.find("#emails").sendKeys(first + ",\n" + second + " ");
        for (int i = 0; i < 3; i++) {
            browser.find("#invite-account-" + i).click();
        }
        assertThat(new Select(browser.find("#invite-role-0"))
                        .getFirstSelectedOption()
                        .getText())
                .isEqualTo("Support");
        new Select(browser.find("#invite-role-2")).selectByValue("ANALYST");
        browser.screenshot("invite-users");
        browser.find("#review-invitation").click();
        browser.awaitPage("Review changes");

        assertThat(browser.text("#changes")).isEqualTo("6");
        assertThat(browser.findAll("table.preview tbody tr td:nth-child(5)"))
                .extracting(WebElement::getText)
                .containsExactlyInAnyOrder("Support", "Support", "Support", "Support", "Analyst", "Analyst");
        browser.find("#confirm").click();

        assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");
        assertThat(browser.text("#count-succeeded")).isEqualTo("6");

        browser.go("/console/portfolios/" + portfolio.id() + "/users?q=invitee-");
        List<WebElement> rows = browser.findAll("tr.user-row");
        assertThat(rows).extracting(row -> row.getAttribute("data-email")).containsExactlyInAnyOrder(first, second);
        for (WebElement row : rows) {
            assertThat(row.findElements(By.cssSelector("li.chip.invited"))).hasSize(3);
        }
    }

    /**
     * An administrator pastes addresses, picks a language, ticks a user and accounts, then finds another
     * account by name and ticks it too: the search swaps in the account lists alone, so the addresses,
     * the language, the ticked user and the ticked accounts stay, and the review names the accounts of
     * both searches; "Change the invitation" then brings the filled form back. Before, the search
     * served the page again, and everything typed and ticked was gone.
     */
    @Test
    void anInvitationNamesAccountsOfTwoSearchesAndItsReviewOffersItBackToChange() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        String typed = TestPortfolio.newEmail("invitee-one") + "\n" + TestPortfolio.newEmail("invitee-two");
        UUID first = portfolio.account(0);
        UUID second = portfolio.account(1);
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        browser.find("tr.user-row[data-email='" + ann.email() + "'] input.pick").click();
        browser.find("#bulk details summary").click();
        browser.find("#bulk .accounts input[value='" + first + "']").click();
        browser.find("#invite summary").click();
        browser.find("#emails").sendKeys(typed);
        new Select(browser.find("#language")).selectByValue("de");
        browser.find("#invite .accounts input[value='" + first + "']").click();
        new Select(browser.find("#invite .accounts select[name='role-" + first + "']")).selectByValue("ANALYST");

        findAccounts("Brand 2 ", second);

        assertThat(browser.find("#emails").getDomProperty("value")).isEqualTo(typed);
        assertThat(new Select(browser.find("#language"))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("de");
        assertThat(browser.find("tr.user-row[data-email='" + ann.email() + "'] input.pick")
                        .isSelected())
                .isTrue();
        assertThat(browser.findAll("#bulk .accounts input:checked"))
                .extracting(box -> box.getAttribute("value"))
                .containsExactly(first.toString());
        assertThat(browser.findAll("#invite .accounts input[name=accountIds]"))
                .extracting(box -> box.getAttribute("value") + (box.isSelected() ? " ticked" : ""))
                .containsExactly(first + " ticked", second.toString());
        assertThat(new Select(browser.find("#invite .accounts select[name='role-" + first + "']"))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("ANALYST");
        browser.find("#invite .accounts input[value='" + second + "']").click();
        browser.find("#review-invitation").click();
        browser.awaitPage("Review changes");

        assertThat(browser.text("#changes")).isEqualTo("4");
        assertThat(browser.findAll("table.preview tbody tr"))
                .extracting(row -> row.findElement(By.cssSelector("td:nth-child(2)"))
                                .getText() + " "
                        + row.findElement(By.cssSelector("td:nth-child(5)")).getText())
                .containsExactlyInAnyOrder(
                        "Brand 1 " + first + " Analyst",
                        "Brand 1 " + first + " Analyst",
                        "Brand 2 " + second + " Support",
                        "Brand 2 " + second + " Support");

        browser.find("#change-request summary").click();
        assertThat(browser.find("#emails").getDomProperty("value")).isEqualTo(typed);
        assertThat(new Select(browser.find("#language"))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("de");
        assertThat(browser.findAll("#invitation-again input[name=accountIds]:checked"))
                .extracting(box -> box.getAttribute("value"))
                .containsExactly(first.toString(), second.toString());
        browser.find("#review-again").click();
        browser.awaitPage("Review changes");
        assertThat(browser.text("#changes")).isEqualTo("4");
    }

    /**
     * A "Find accounts by name" that gets no answer (here the network drops it) keeps the invitation
     * being filled, the addresses, the language and the ticked account, and says beside the field that
     * finding accounts failed. Before, the page was served again in its place: all of it gone, no word why.
     */
    @Test
    void findingAccountsThatGetsNoAnswerKeepsTheInvitationAndSaysTheSearchFailed() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        String typed = TestPortfolio.newEmail("invitee-one") + "\n" + TestPortfolio.newEmail("invitee-two");
        UUID first = portfolio.account(0);
        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        String users = browser.driver().getCurrentUrl();
        browser.find("#invite summary").click();
        browser.find("#emails").sendKeys(typed);
        new Select(browser.find("#language")).selectByValue("de");
        browser.find("#invite .accounts input[value='" + first + "']").click();
        ChromeDriver chromium = (ChromeDriver) browser.driver();
        chromium.executeCdpCommand("Network.enable", Map.of());
        chromium.executeCdpCommand("Network.setBlockedURLs", Map.of("urls", List.of("*/account-choices*")));
        WebElement page = browser.find("main");

        browser.find("#accountName").sendKeys("Brand 2 ");
        browser.find("#account-search button").click();

        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(browser.text("#accountName-hint")).contains("Finding accounts failed"));
        assertThat(ExpectedConditions.stalenessOf(page).apply(browser.driver()))
                .as("the page served again")
                .isFalse();
        assertThat(browser.driver().getCurrentUrl()).isEqualTo(users);
        assertThat(browser.find("#emails").getDomProperty("value")).isEqualTo(typed);
        assertThat(new Select(browser.find("#language"))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo("de");
        assertThat(browser.findAll("#invite .accounts input:checked"))
                .extracting(box -> box.getAttribute("value"))
                .containsExactly(first.toString());
        assertThat(browser.find("#accountName").getDomProperty("value")).isEqualTo("Brand 2 ");
    }

    @Test
    void ownerChangesOneRoleWithTheProfilePagesSelectorAndOwnersStayLocked() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        UserRef owner = portfolio.owner(portfolio.account(0));

        browser.signIn("admin-" + UUID.randomUUID() + "@agency.example", "OWNER", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users/" + owner.userId());
        assertThat(browser.findAll("table.profile tbody tr")).hasSize(2);
        assertThat(browser.findAll("table.profile td .muted"))
                .extracting(WebElement::getText)
                .containsOnlyOnce("Owner (locked)");
        assertThat(browser.findAll("form.inline-form")).hasSize(1);

        browser.go("/console/portfolios/" + portfolio.id() + "/users/" + ann.userId());
        new Select(browser.find("#role-1")).selectByValue("MANAGER");
        browser.findAll("form.inline-form button").get(1).click();
        browser.awaitPage("Review changes");

        assertThat(browser.text("#changes")).isEqualTo("1");
        assertThat(browser.findAll("table.preview tbody tr td:nth-child(5)"))
                .extracting(WebElement::getText)
                .containsExactly("Manager");
        browser.find("#confirm").click();
        assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");

        browser.go("/console/portfolios/" + portfolio.id() + "/users/" + ann.userId());
        assertThat(browser.findAll("table.profile tbody tr td:nth-child(2)"))
                .extracting(WebElement::getText)
                .containsExactly("Analyst", "Manager");
    }

    @Test
    void viewOnlyAdministratorSeesTheUsersButNoBulkActions() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());

        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.example", "USER_MANAGEMENT_VIEW", portfolio.id());
        browser.go("/console/portfolios/" + portfolio.id() + "/users");

        assertThat(browser.findAll("tr.user-row")).hasSize(3);
        assertThat(browser.text("#view-only")).isEqualTo("View only");
        assertThat(browser.findAll("#bulk")).isEmpty();
        assertThat(browser.findAll("#offboard")).isEmpty();
        assertThat(browser.findAll("#invite")).isEmpty();
        assertThat(browser.findAll("input.pick")).isEmpty();

        browser.find("a[href$='/users/" + ann.userId() + "']").click();
        browser.awaitPage(ann.email());
        assertThat(browser.driver().getTitle()).startsWith(ann.email());
        assertThat(browser.findAll("form.inline-form")).isEmpty();
        assertThat(browser.findAll("table.profile tbody tr")).hasSize(2);

        browser.find("form.signout button").click();
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(browser.text("p.notice")).isEqualTo("You are signed out."));
        browser.go("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(browser.driver().getCurrentUrl()).endsWith("/console/sign-in");
    }

    /** Uses "Find accounts by name" and waits until the account filter offers only the one account. */
    private void findAccounts(String name, UUID account) {
        browser.find("#accountName").sendKeys(name);
        browser.find("#account-search button").click();
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(browser.findAll("#account option"))
                        .extracting(WebElement::getText)
                        .containsExactly("Any account", name + account));
    }

    /** Types {@code email} into the search, in place of what it held, and waits for its one user. */
    private void search(String email) {
        browser.find("#q").sendKeys(Keys.chord(Keys.CONTROL, "a"), email);
        awaitOnlyUserListed(email);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(browser.driver().getCurrentUrl())
                        .contains("q=" + URLEncoder.encode(email, StandardCharsets.UTF_8)));
    }

    /** Waits until the Users list shows this one user only. */
    private void awaitOnlyUserListed(String email) {
        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(browser.findAll("tr.user-row"))
                        .singleElement()
                        .satisfies(row ->
                                assertThat(row.getAttribute("data-email")).isEqualTo(email)));
    }
}
