package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

/**
 * The web console on the demo portfolio (200 accounts, 300 users), as the README shows it: every
 * main page fits a 1280 px screen and a phone's width without sideways scrolling, locked Owners and
 * IdP-managed users are marked, and an offboarding skips what the rules protect. Saves the README's
 * screenshots ({@code -Dconsole.screenshots=../docs/screenshots} refreshes them).
 */
class WebConsoleDemoSystemTests {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private static final String USERS = "/console/portfolios/" + DemoPortfolio.PORTFOLIO_ID + "/users";

    private final ServiceStack stack = TestStack.get();

    private ConsoleBrowser browser;

    @BeforeEach
    void seedDemoAndOpenBrowser() {
        new DirectorySeed(TestStack.sharedDatabase()).seed(DemoPortfolio.generate(Instant.now()));
        browser = ConsoleBrowser.open(stack.gatewayUrl());
    }

    @AfterEach
    void closeBrowser() {
        ConsoleBrowser.closeIfOpen(browser);
    }

    @Test
    void demoAdministratorWalksThroughTheConsoleAtDesktopAndPhoneWidth() {
        browser.go("/console/sign-in");
        browser.assertFits();
        browser.documentationScreenshot("sign-in");
        browser.signIn(DemoPortfolio.ADMIN_EMAIL, "OWNER", DemoPortfolio.PORTFOLIO_ID);

        browser.go(USERS);
        assertThat(browser.findAll("tr.user-row")).hasSize(50);
        assertThat(browser.findAll("#next-page")).hasSize(1);
        browser.assertFits();
        browser.documentationScreenshot("users-tab");

        browser.go(USERS + "?q=" + DemoPortfolio.IDP_MANAGED_USER_EMAIL);
        assertThat(browser.text("tr.user-row .badge.idp")).isEqualTo("IdP-managed");

        browser.go(USERS + "/" + DemoPortfolio.LEAVER_ID);
        assertThat(browser.findAll("table.profile tbody tr")).hasSize(50);
        assertThat(browser.findAll("table.profile td .muted"))
                .extracting(WebElement::getText)
                .contains("Owner (locked)");
        browser.assertFits();
        browser.documentationScreenshot("user-profile");

        browser.go(USERS + "?q=" + DemoPortfolio.LEAVER_EMAIL);
        browser.reviewOffboardingOfTheListedUser();
        assertThat(Integer.parseInt(browser.text("#changes"))).isEqualTo(DemoPortfolio.LEAVER_ACCOUNT_COUNT - 2);
        assertThat(browser.text("#skipped")).isEqualTo("2");
        browser.assertFits();
        browser.documentationScreenshot("review-changes");
        browser.find("#confirm").click();
        assertThat(browser.awaitJobEnd(PATIENCE)).isEqualTo("COMPLETED");
        assertThat(browser.text("#count-skipped")).isEqualTo("2");
        browser.assertFits();
        browser.documentationScreenshot("job");

        browser.find("nav a[href$='/jobs']").click();
        browser.awaitPage("Jobs");
        assertThat(browser.findAll("table.jobs tbody tr")).isNotEmpty();
        browser.documentationScreenshot("jobs");

        browser.go("/console/portfolios/" + DemoPortfolio.PORTFOLIO_ID + "/accounts/"
                + DemoPortfolio.WALKTHROUGH_ACCOUNT_ID + "/activity");
        await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
            browser.driver().navigate().refresh();
            assertThat(browser.findAll("li.entry .summary-text"))
                    .extracting(WebElement::getText)
                    .anySatisfy(summary -> assertThat(summary).contains(DemoPortfolio.LEAVER_EMAIL));
        });
        browser.assertFits();
        browser.documentationScreenshot("activity-log");

        browser.width(390);
        browser.go(USERS);
        browser.assertFits();
        browser.documentationScreenshot("users-phone");
    }
}
