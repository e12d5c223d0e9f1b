package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * The console with the job settings an operator may change: a status answer that asks to poll every 7 s
 * ({@code bulk.gateway.jobs.poll-interval}) and a cap of 2 tasks a job.
 */
@ConsoleIntegrationTest
@TestPropertySource(properties = {"bulk.gateway.jobs.poll-interval=7s", "bulk.gateway.jobs.max-tasks-per-job=2"})
class ConsoleJobSettingsIntegrationTests {

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    /**
     * A running job's page polls its progress as often as the API's status answer asks (its {@code
     * Retry-After}), here every 7 s. Before, it polled every second whatever the API asked.
     */
    @Test
    void theProgressPanelPollsAsOftenAsTheApiAsks() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand Paris"), ann, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String console = "/console/portfolios/" + portfolio.id();
        HttpResponse<String> review = browser.post(
                console + "/review", Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", browser.csrf()));
        HttpResponse<String> confirmed =
                browser.post(console + "/jobs", ConsoleBrowser.hiddenFields(review.body(), "confirm"));
        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
        String job = URI.create(confirmed.headers().firstValue("Location").orElseThrow())
                .getPath();

        String page = browser.get(job).body();
        String progress = browser.get(job + "/progress", "HX-Request", "true").body();

        assertThat(page).contains("hx-trigger=\"every 7s\"").doesNotContain("every 1s");
        assertThat(progress).contains("hx-trigger=\"every 7s\"").doesNotContain("every 1s");
    }

    /**
     * A review of more tasks than a job may have says what the administrator can do on the console:
     * untick users or accounts, each user making one task per account they hold, up to the cap. Before,
     * it sent them to the API's preview endpoint.
     */
    @Test
    void aReviewOfTooManyTasksSaysHowToMakeItSmallerOnTheConsole() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio
                .member(portfolio.account("Brand Oslo"), ann, AccountRole.ANALYST)
                .member(portfolio.account("Brand Paris"), ann, AccountRole.ANALYST)
                .member(portfolio.account("Brand Rome"), ann, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> review = browser.post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", browser.csrf()));

        String text = ConsoleBrowser.unescape(review.body());
        assertThat(text)
                .contains("Too many tasks")
                .contains("more than 2 tasks, the most one job may have")
                .contains("Each user makes one task for every account the change touches")
                .contains("untick some users or accounts")
                .doesNotContain("bulk-jobs/preview");
    }
}
