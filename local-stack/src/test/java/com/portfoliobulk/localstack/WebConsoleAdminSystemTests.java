package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The administration page of the demo portfolio in a real headless Chromium, seeded as a local run
 * seeds it: the demo admin (its Owner) sees the portfolio users with their roles, the Owner's own row
 * locked, changes one user's role with the row's selector, and then sees the new role and the change
 * at the top of the administration log.
 */
class WebConsoleAdminSystemTests {

    /** The names the page shows for the two user-management roles the test toggles between (their codes). */
    private static final Map<String, String> ROLE_NAMES =
            Map.of("USER_MANAGEMENT_EDIT", "User Management EDIT", "USER_MANAGEMENT_VIEW", "User Management VIEW");

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final String ADMIN_PAGE = "/console/portfolios/" + DemoPortfolio.PORTFOLIO_ID + "/admin";

    private final ServiceStack stack = TestStack.get();

    private ConsoleBrowser browser;

    private JdbcClient database;

    @BeforeEach
    void seedDemoAndOpenBrowser() {
        new DirectorySeed(TestStack.sharedDatabase()).seed(DemoPortfolio.generate(Instant.now()));
        new PortfolioAdminSeed(TestStack.sharedDatabase()).seed();
        database = JdbcClient.create(TestStack.database());
        browser = ConsoleBrowser.open(stack.gatewayUrl());
    }

    @AfterEach
    void closeBrowser() {
        ConsoleBrowser.closeIfOpen(browser);
    }

    @Test
    void demoAdministratorChangesAPortfolioUsersRoleOnTheAdministrationPageAndTheLogSaysSo() {
        // The seed's USER_MANAGEMENT_EDIT user; toggled between the two user-management roles, so that
        // the test also holds on a database where it ran before.
        String editor = database.sql("SELECT email FROM directory.users WHERE id = ?")
                .param(DemoPortfolio.userId(5))
                .query(String.class)
                .single();
        String before = roleOf(editor);
        String after = "USER_MANAGEMENT_EDIT".equals(before) ? "USER_MANAGEMENT_VIEW" : "USER_MANAGEMENT_EDIT";

        browser.signIn(DemoPortfolio.ADMIN_EMAIL, "OWNER", DemoPortfolio.PORTFOLIO_ID);
        browser.go(ADMIN_PAGE);
        browser.awaitPage("Administration");

        assertThat(browser.findAll("tr.portfolio-user"))
                .extracting(row -> row.getAttribute("data-email"))
                .contains(DemoPortfolio.ADMIN_EMAIL, editor)
                .hasSize(1 + PortfolioAdminSeed.DEMO_PORTFOLIO_USERS.size());
        WebElement owner = row(DemoPortfolio.ADMIN_EMAIL);
        assertThat(owner.findElement(By.cssSelector("td.role")).getText()).isEqualTo("Owner");
        assertThat(owner.findElements(By.cssSelector("form.role-change"))).isEmpty();
        assertThat(owner.findElement(By.cssSelector(".lock-reason")).getText())
                .as("why the row is locked, as text")
                .isNotBlank();
        assertThat(row(editor).findElement(By.cssSelector("td.role")).getText()).isEqualTo(ROLE_NAMES.get(before));
        assertThat(browser.findAll("#account-roles tbody th"))
                .extracting(WebElement::getText)
                .contains("REGIONAL_LEAD");
        assertThat(browser.findAll("#role-changed")).isEmpty();

        new Select(row(editor).findElement(By.cssSelector("select[name=role]"))).selectByValue(after);
        row(editor).findElement(By.cssSelector("form.role-change button")).click();

        await().atMost(PATIENCE)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(browser.text("#role-changed")).isEqualTo("The role was changed."));
        assertThat(browser.driver().getCurrentUrl()).endsWith(ADMIN_PAGE);
        assertThat(row(editor).findElement(By.cssSelector("td.role")).getText()).isEqualTo(ROLE_NAMES.get(after));
        assertThat(new Select(row(editor).findElement(By.cssSelector("select[name=role]")))
                        .getFirstSelectedOption()
                        .getAttribute("value"))
                .isEqualTo(after);
        List<WebElement> newestLogEntry =
                browser.findAll("#admin-log tbody tr").getFirst().findElements(By.tagName("td"));
        assertThat(newestLogEntry.subList(1, 5).stream().map(WebElement::getText))
                .containsExactly(
                        DemoPortfolio.ADMIN_EMAIL,
                        "Portfolio role changed",
                        editor,
                        "role " + ROLE_NAMES.get(before) + " -> " + ROLE_NAMES.get(after));
        assertThat(newestLogEntry.get(2).getAttribute("data-action")).isEqualTo("PORTFOLIO_ROLE_CHANGED");
        assertThat(roleOf(editor)).isEqualTo(after);
        browser.screenshot("administration");
    }

    private WebElement row(String email) {
        return browser.find("tr.portfolio-user[data-email='" + email + "']");
    }

    private String roleOf(String email) {
        return database.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = ? AND email = ?")
                .params(DemoPortfolio.PORTFOLIO_ID, email)
                .query(String.class)
                .single();
    }
}
