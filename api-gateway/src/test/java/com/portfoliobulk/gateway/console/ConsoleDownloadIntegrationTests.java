package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.retention.Retention;
import com.portfoliobulk.gateway.support.FinishedJobs;
import com.portfoliobulk.gateway.support.HeldWrites;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;

/**
 * The console's download of a job's tasks as CSV streams the API's answer through to the browser, so
 * it takes as long as the browser takes to read it: it has the gateway's streaming timeout (10 min),
 * not the console's timeout of an API call (60 s, here 2 s so that a test can outlast it). And what
 * the console says when the API did not answer a form within that timeout.
 */
@ConsoleIntegrationTest
@TestPropertySource(properties = "bulk.gateway.console.api-read-timeout=2s")
class ConsoleDownloadIntegrationTests {

    /** Some 20 MB of CSV: more than the sockets between the API, the console and a paused client hold. */
    private static final int TASKS = 100_000;

    /** The logger of a client that went away while it was answered (shared by the services). */
    private static final String DISCONNECTED_CLIENTS = "com.portfoliobulk.servicesupport.web.DisconnectedClients";

    /** The logger of the API's {@code Unexpected error} lines. */
    private static final String INTERNAL_ERRORS = "com.portfoliobulk.gateway.web.InternalErrors";

    /** Twice the console's timeout of an API call in this test. */
    private static final Duration PAUSE = Duration.ofSeconds(4);

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private Retention retention;

    private UUID seededJob;

    /** The large job goes: other tests of this JVM share the database. */
    @AfterEach
    void deleteSeededJob() {
        if (seededJob != null) {
            jdbc.sql("DELETE FROM jobs.bulk_tasks WHERE job_id = ?")
                    .param(seededJob)
                    .update();
            jdbc.sql("DELETE FROM jobs.bulk_jobs WHERE id = ?").param(seededJob).update();
        }
    }

    /**
     * A browser that pauses reading a large job's CSV for longer than the console's timeout of an API
     * call (a slow network, a busy machine) still gets every row: before, the console's call to the API
     * was cut off once that timeout had passed, and the download ended early.
     */
    @Test
    void aDownloadReadMoreSlowlyThanAnApiCallMayTakeArrivesWhole() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID jobId = finishedJob(portfolio.id());
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        String answer;
        try (Socket socket = new Socket()) {
            // A small window: the console's writes soon wait for this client to read.
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write(("GET /console/portfolios/" + portfolio.id() + "/jobs/" + jobId + "/tasks.csv HTTP/1.0\r\n"
                                    + "Host: localhost:" + port + "\r\nCookie: " + browser.cookieHeader() + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            read.write(in.readNBytes(4096));
            assertThat(read.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 200");
            Thread.sleep(PAUSE);
            in.transferTo(read);
            answer = read.toString(StandardCharsets.UTF_8);
        }

        String csv = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        List<String> rows = csv.lines().skip(1).toList();
        assertThat(rows.size()).as("rows downloaded").isEqualTo(TASKS);
        String lastTask = jdbc.sql("SELECT id::text FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq DESC LIMIT 1")
                .param(jobId)
                .query(String.class)
                .single();
        assertThat(rows.getLast()).startsWith(lastTask);
    }

    /**
     * A browser that leaves a large download (a navigation while the CSV is still being sent; here a
     * client that reads the answer's head and then resets the connection) is no error of the gateway,
     * neither of the console's page nor of the API's download it passes on: each logs one line at
     * DEBUG, without a stack trace, that its client went away, and the console answers the next page.
     * Before, the console took its failed write for the API not answering and wrote its error page into
     * the download, which failed again and was logged as an error with its stack trace; and the API's
     * download could log an {@code Unexpected error} with its stack trace, a bug to report.
     */
    @Test
    void aBrowserThatLeavesADownloadLeavesNoErrorInTheLog() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID jobId = finishedJob(portfolio.id());
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        String download = "/console/portfolios/" + portfolio.id() + "/jobs/" + jobId + "/tasks.csv";
        String apiDownload = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/" + jobId + "/tasks";

        List<ILoggingEvent> gone;
        List<ILoggingEvent> errors;
        try (LogLines wentAway = LogLines.of(DISCONNECTED_CLIENTS, Level.DEBUG);
                LogLines internalErrors = LogLines.of(INTERNAL_ERRORS);
                LogLines container = LogLines.of("org.apache.catalina");
                LogLines handlers = LogLines.of(ExceptionHandlerExceptionResolver.class.getName())) {
            try (Socket socket = new Socket()) {
                socket.setReceiveBufferSize(4096);
                socket.connect(new InetSocketAddress("localhost", port), 5_000);
                socket.setSoTimeout(30_000);
                socket.getOutputStream()
                        .write(("GET " + download + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nCookie: "
                                        + browser.cookieHeader() + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                        .isEqualTo("HTTP/1.1 200");
                // Closing resets the connection (RST) while the console still writes the download.
                socket.setSoLinger(true, 0);
            }
            // Both requests have ended: each logged that its client went away, or an error.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                List<ILoggingEvent> lines = new ArrayList<>(internalErrors.lines());
                lines.addAll(container.lines());
                lines.addAll(handlers.lines());
                return lines.stream().anyMatch(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                        || (startsWith(wentAway.lines(), "GET " + download)
                                && startsWith(wentAway.lines(), "GET " + apiDownload));
            });
            gone = wentAway.lines();
            errors = new ArrayList<>(internalErrors.lines());
            errors.addAll(container.lines());
            errors.addAll(handlers.lines());
        }

        assertThat(errors)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
        assertThat(gone)
                .allSatisfy(line -> assertThat(line.getThrowableProxy()).isNull())
                .allSatisfy(line -> assertThat(line.getLevel()).isEqualTo(Level.DEBUG))
                .extracting(line -> line.getFormattedMessage()
                        .substring(0, line.getFormattedMessage().indexOf(':')))
                .containsExactlyInAnyOrder("GET " + download, "GET " + apiDownload);
        assertThat(browser.get("/console/portfolios/" + portfolio.id() + "/jobs/" + jobId)
                        .statusCode())
                .isEqualTo(200);
    }

    /**
     * A download whose API download fails midway (here the retention sweep deletes the job while the
     * browser pauses) fails in the browser too: the console closes the connection without the chunked
     * answer's last chunk and writes nothing after the rows sent, and the API and the console each log
     * one WARN line, no error. Before, the API's download ended as if whole and the console passed it
     * on as such; and a failure of the API's download had the console write its error page after the
     * rows, as part of the file.
     */
    @Test
    void aDownloadWhoseApiDownloadFailsFailsInTheBrowserWithoutAnError() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID jobId = finishedJob(portfolio.id());
        jdbc.sql("UPDATE jobs.bulk_jobs SET completed_at = now() - interval '31 days' WHERE id = ?")
                .param(jobId)
                .update();
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);
        String download = "/console/portfolios/" + portfolio.id() + "/jobs/" + jobId + "/tasks.csv";
        String apiDownload = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/" + jobId + "/tasks";

        String rest;
        List<ILoggingEvent> lines = new ArrayList<>();
        try (LogLines web = LogLines.of("com.portfoliobulk.gateway.web");
                LogLines console = LogLines.of("com.portfoliobulk.gateway.console");
                LogLines container = LogLines.of("org.apache.catalina");
                LogLines spring = LogLines.of("org.springframework.web");
                Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("localhost", port), 5_000);
            socket.setSoTimeout(90_000);
            socket.getOutputStream()
                    .write(("GET " + download + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nCookie: "
                                    + browser.cookieHeader() + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
            assertThat(in.readNBytes(4096)).hasSize(4096);

            retention.run();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            try {
                in.transferTo(read);
            } catch (SocketException reset) {
                // The connection reset after the rows sent: a failed transfer as well.
            }
            rest = read.toString(StandardCharsets.UTF_8);
            for (LogLines logger : List.of(web, console, container, spring)) {
                lines.addAll(logger.lines());
            }
        }

        assertThat(rest)
                .as("the end of the download after its first bytes")
                .doesNotEndWith("\r\n0\r\n\r\n")
                .doesNotContain("<");
        assertThat(lines)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .allSatisfy(line -> assertThat(line.getLevel()).isEqualTo(Level.WARN))
                .allSatisfy(line -> assertThat(line.getThrowableProxy()).isNull())
                .extracting(line -> line.getFormattedMessage()
                        .substring(0, line.getFormattedMessage().indexOf(": cut off, ")))
                .containsExactlyInAnyOrder("GET " + apiDownload, "GET " + download);
    }

    /**
     * A form the API did not answer in time (its write held here past the console's 2 s) may have made
     * its change all the same: the page says to check the list before trying again, since sent again
     * it would create a second token. Before, every such page said "Try again: confirming the same
     * review twice never makes two jobs".
     */
    @Test
    void aChangeTheApiDidNotAnswerInTimeSaysToCheckTheListBeforeTryingAgain() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String page = "/console/portfolios/" + portfolio.id() + "/integrations";

        HttpResponse<String> answer;
        try (HeldWrites held = HeldWrites.on(jdbc, "jobs.scim_tokens", "INSERT", ofPortfolio(portfolio), PAUSE)) {
            answer = browser.post(page + "/scim-tokens", Map.of("name", "Okta", "_csrf", browser.csrf()));
            // The API went on and created the token once the console had stopped waiting.
            await().atMost(Duration.ofSeconds(30)).until(() -> rows("jobs.scim_tokens", portfolio) == 1);
        }

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(ConsoleBrowser.unescape(answer.body()))
                .contains(
                        "<h1>Check before you try again</h1>",
                        "the change may have been made all the same",
                        "check its list before you try again")
                .doesNotContain("two jobs");
    }

    /** A Confirm the API did not answer in time may be sent again: the job is made once. */
    @Test
    void aConfirmTheApiDidNotAnswerInTimeSaysThatConfirmingAgainMakesNoSecondJob() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.member(portfolio.account("Brand Paris"), ann, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String console = "/console/portfolios/" + portfolio.id();
        HttpResponse<String> review = browser.post(
                console + "/review", Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", browser.csrf()));
        Map<String, String> confirm = ConsoleBrowser.hiddenFields(review.body(), "confirm");

        HttpResponse<String> answer;
        try (HeldWrites held = HeldWrites.on(jdbc, "jobs.bulk_jobs", "INSERT", ofPortfolio(portfolio), PAUSE)) {
            answer = browser.post(console + "/jobs", confirm);
            await().atMost(Duration.ofSeconds(30)).until(() -> rows("jobs.bulk_jobs", portfolio) == 1);
        }

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(ConsoleBrowser.unescape(answer.body()))
                .contains(
                        "<h1>Try again in a moment</h1>",
                        "Try again: confirming the same review twice never makes two jobs.")
                .doesNotContain("may have been made");
        assertThat(browser.post(console + "/jobs", confirm).statusCode()).isEqualTo(302);
        assertThat(rows("jobs.bulk_jobs", portfolio)).isEqualTo(1);
    }

    /**
     * A review whose preview the API did not answer in time (its read of the tasks held here past the
     * console's 2 s) comes back with its form as it was sent, the users ticked, and says the service
     * did not answer, with nothing to confirm. Before, it was the 503 page with only a link back to the
     * console: the form was lost.
     */
    @Test
    void aReviewTheApiDidNotPreviewInTimeOffersItsFormBackAsSent(@Autowired DataSource dataSource) throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID oslo = portfolio.account("Brand Oslo");
        UUID ann = portfolio.user("ann");
        portfolio.member(oslo, ann, AccountRole.ANALYST);
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String csrf = "_csrf=" + URLEncoder.encode(browser.csrf(), StandardCharsets.UTF_8);

        HttpResponse<String> review;
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE jobs.bulk_tasks IN ACCESS EXCLUSIVE MODE");
                review = browser.postEncoded(
                        "/console/portfolios/" + portfolio.id() + "/review",
                        csrf + "&action=offboard&userIds=" + ann + "&accountIds=" + oslo + "&role=MANAGER");
            } finally {
                holder.rollback();
            }
        }

        assertThat(review.statusCode()).as(review.body()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(review.body()))
                .contains("id=\"problem\"", "The service did not answer in time", "nothing was changed")
                .doesNotContain("id=\"confirm\"");
        assertThat(ConsoleBrowser.formEntries(review.body(), "bulk-again"))
                .filteredOn(field ->
                        !field.getKey().equals("_csrf") && !field.getKey().equals("formKey"))
                .containsExactly(
                        Map.entry("userIds", ann.toString()),
                        Map.entry("accountIds", oslo.toString()),
                        Map.entry("role", "MANAGER"));
    }

    /** A trigger's condition on the rows of the portfolio, for {@link HeldWrites}. */
    private static String ofPortfolio(DirectorySeed.Portfolio portfolio) {
        return "NEW.portfolio_id = '" + portfolio.id() + "'";
    }

    private int rows(String table, DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE portfolio_id = ?")
                .param(portfolio.id())
                .query(Integer.class)
                .single();
    }

    private static boolean startsWith(List<ILoggingEvent> lines, String prefix) {
        return lines.stream().anyMatch(line -> line.getFormattedMessage().startsWith(prefix + ":"));
    }

    /** A finished job of {@link #TASKS} tasks in the portfolio, written straight to the database. */
    private UUID finishedJob(UUID portfolioId) {
        UUID jobId = FinishedJobs.seed(jdbc, portfolioId, TASKS);
        seededJob = jobId;
        return jobId;
    }
}
