package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.FinishedJobs;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * The console's download of a job's tasks as CSV streams the API's answer through to the browser, so
 * it takes as long as the browser takes to read it: it has the gateway's streaming timeout (10 min),
 * not the console's timeout of an API call (60 s, here 2 s so that a test can outlast it).
 */
@ConsoleIntegrationTest
@TestPropertySource(properties = "bulk.gateway.console.api-read-timeout=2s")
class ConsoleDownloadIntegrationTests {

    /** Some 20 MB of CSV: more than the sockets between the API, the console and a paused client hold. */
    private static final int TASKS = 100_000;

    /** Twice the console's timeout of an API call in this test. */
    private static final Duration PAUSE = Duration.ofSeconds(4);

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

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

    /** A finished job of {@link #TASKS} tasks in the portfolio, written straight to the database. */
    private UUID finishedJob(UUID portfolioId) {
        UUID jobId = FinishedJobs.seed(jdbc, portfolioId, TASKS);
        seededJob = jobId;
        return jobId;
    }
}
