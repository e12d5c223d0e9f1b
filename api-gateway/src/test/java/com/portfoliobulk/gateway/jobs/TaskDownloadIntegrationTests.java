package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.retention.Retention;
import com.portfoliobulk.gateway.support.DatabaseOutage;
import com.portfoliobulk.gateway.support.FinishedJobs;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.LogLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.context.request.async.WebAsyncManager;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/** The CSV download of a large job, read whole and read by clients that stop reading. */
class TaskDownloadIntegrationTests extends GatewayIntegrationTest {

    /** More than 25 pages of the download, the last one short. */
    private static final int TASKS = 25 * Jobs.DOWNLOAD_PAGE + 1;

    @Value("${spring.datasource.hikari.maximum-pool-size}")
    int poolSize;

    @Value("${bulk.gateway.web.streaming-timeout:10m}")
    Duration streamingTimeout;

    @Autowired
    Retention retention;

    /** Spring MVC's handler adapter, which gives each streamed answer the streaming timeout. */
    @Autowired
    RequestMappingHandlerAdapter handlers;

    private final List<UUID> seeded = new ArrayList<>();

    /** The large jobs go: other tests of this JVM share the database. */
    @AfterEach
    void deleteSeededJobs() {
        for (UUID jobId : seeded) {
            jdbc.sql("DELETE FROM jobs.bulk_tasks WHERE job_id = ?")
                    .param(jobId)
                    .update();
            jdbc.sql("DELETE FROM jobs.bulk_jobs WHERE id = ?").param(jobId).update();
        }
    }

    /** Every task comes once, in task order, across the pages the download reads. */
    @Test
    void aLargeJobDownloadsEveryTaskOnce() {
        UUID portfolioId = UUID.randomUUID();
        UUID jobId = finishedJob(portfolioId);

        Answer csv = api.get(viewer(portfolioId), jobPath(portfolioId, jobId) + "/tasks", Map.of("Accept", "text/csv"));

        assertThat(csv.status()).isEqualTo(200);
        List<String> rows = csv.text().lines().skip(1).toList();
        assertThat(rows).hasSize(TASKS);
        assertThat(new HashSet<>(rows.stream().map(row -> row.substring(0, 36)).toList()))
                .hasSize(TASKS);
        List<String> seqOrder = jdbc.sql("SELECT id::text FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq")
                .param(jobId)
                .query(String.class)
                .list();
        assertThat(rows.stream().map(row -> row.substring(0, 36)).toList()).isEqualTo(seqOrder);
    }

    /**
     * As many clients as the gateway has database connections start the download of a large job and
     * stop reading after its first bytes (a slow network, a paused script). The gateway still answers
     * other requests that read the database: a download held a connection, and an open snapshot, for
     * as long as its client took to read it (up to the 10-minute limit of a streamed answer), so these
     * clients took every connection and every other request answered 503 after its 5 s wait for one.
     */
    @Test
    void clientsThatStopReadingADownloadHoldNoDatabaseConnection() throws IOException {
        UUID portfolioId = UUID.randomUUID();
        UUID jobId = finishedJob(portfolioId);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int client = 0; client < poolSize + 2; client++) {
                stalled.add(stalledDownload(viewer(portfolioId), jobPath(portfolioId, jobId) + "/tasks"));
            }

            Answer jobs = api.get(viewer(portfolioId), jobsPath(portfolioId));
            Answer tasks = api.get(viewer(portfolioId), jobPath(portfolioId, jobId) + "/tasks?status=SUCCEEDED");

            assertThat(jobs.status()).as(jobs.text()).isEqualTo(200);
            assertThat(jobs.body().path("items").get(0).path("jobId").asString())
                    .isEqualTo(jobId.toString());
            assertThat(tasks.status()).as(tasks.text()).isEqualTo(200);
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /**
     * A download still running when {@code bulk.gateway.web.streaming-timeout} has passed (a client that
     * reads more slowly than the CSV comes; here it stops reading until then, and the timeout is 2 s, not
     * 10 minutes) is cut off so that its client sees the transfer fail: the connection closes without
     * the chunked answer's last chunk and with nothing after the rows sent, and the gateway logs one WARN
     * line. Before, the answer ended as if whole (the last chunk after a row cut in the middle): curl
     * exited 0 and saved part of the tasks as the download.
     */
    @Test
    void aDownloadCutOffByTheStreamingTimeoutFailsForItsClient() throws IOException {
        UUID portfolioId = UUID.randomUUID();
        UUID jobId = finishedJob(portfolioId);
        String path = jobPath(portfolioId, jobId) + "/tasks";

        String rest;
        List<ILoggingEvent> warnings;
        try (LogLines timeouts = LogLines.of(WebAsyncManager.class.getName(), Level.DEBUG);
                ServiceWarnings log = new ServiceWarnings();
                StreamingTimeout shortened = streamingTimeout(Duration.ofSeconds(2));
                Socket socket = stalledDownload(viewer(portfolioId), path)) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> timeouts.lines().stream()
                            .anyMatch(line ->
                                    line.getFormattedMessage().startsWith("Servlet container timeout notification")));
            rest = restOf(socket);
            warnings = log.lines();
        }

        assertFailedTransfer(rest);
        assertOneWarning(
                warnings,
                "GET " + path + ": cut off, its answer took longer than bulk.gateway.web.streaming-timeout allows");
    }

    /**
     * A job that the retention sweep deletes while its CSV is downloaded (it reached its 30 days
     * meanwhile) fails the download: README promises a job whole or gone, never part of its tasks.
     * Before, the pages read after the sweep found no task, and the download ended as if whole with
     * the tasks sent so far. The client here stops reading after the first bytes, the sweep runs (the
     * job, then its tasks), and the client reads on.
     */
    @Test
    void aJobDeletedByRetentionWhileItsTasksAreDownloadedFailsTheDownload() throws IOException {
        UUID portfolioId = UUID.randomUUID();
        UUID jobId = finishedJob(portfolioId);
        jdbc.sql("UPDATE jobs.bulk_jobs SET completed_at = now() - interval '31 days' WHERE id = ?")
                .param(jobId)
                .update();
        String path = jobPath(portfolioId, jobId) + "/tasks";

        String rest;
        List<ILoggingEvent> warnings;
        try (ServiceWarnings log = new ServiceWarnings();
                Socket socket = stalledDownload(viewer(portfolioId), path)) {
            retention.run();
            rest = restOf(socket);
            warnings = log.lines();
        }

        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE job_id = ?")
                        .param(jobId)
                        .query(Long.class)
                        .single())
                .as("the job's tasks left")
                .isZero();
        assertFailedTransfer(rest);
        assertOneWarning(
                warnings,
                "GET " + path + ": cut off, refused after its first bytes: There is no job " + jobId
                        + " in this portfolio.");
    }

    /**
     * A database outage while a download is under way (here the database ends the gateway's sessions
     * and refuses new ones after the first bytes were sent) fails the download, and the gateway logs it
     * as the outage it is: one WARN line without a stack trace. Before, the outage was logged at ERROR
     * with stack traces, by Spring MVC ("Failure in @ExceptionHandler"), the servlet container and the
     * error page ("Unexpected error", a defect to report), and a problem was appended to the rows sent.
     * Once the database is back, the gateway answers again.
     */
    @Test
    void aDatabaseOutageDuringADownloadFailsItWithOneWarning() throws Exception {
        UUID portfolioId = UUID.randomUUID();
        UUID jobId = finishedJob(portfolioId);
        String path = jobPath(portfolioId, jobId) + "/tasks";

        String rest;
        List<ILoggingEvent> warnings;
        try (ServiceWarnings log = new ServiceWarnings();
                Socket socket = stalledDownload(viewer(portfolioId), path)) {
            try (DatabaseOutage outage = DatabaseOutage.of(jdbc)) {
                outage.begin();
                rest = restOf(socket);
            }
            warnings = log.lines();
        }

        assertFailedTransfer(rest);
        assertOneWarning(
                warnings,
                message -> assertThat(message).startsWith("GET " + path + ": cut off, the database is unavailable ("));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(api.get(viewer(portfolioId), jobsPath(portfolioId))
                                .status())
                        .isEqualTo(200));
    }

    /**
     * The rest of an answer whose client stopped reading, read to its end: to the end of the stream, or
     * to a reset of the connection. It comes at once once the answer fails; 15 s is a guard, not a timing
     * assert, but shorter than the container's write timeout (a minute), which a failed answer's
     * connection waited for before it closed when the container first wrote out what was left of it.
     */
    private static String restOf(Socket socket) throws IOException {
        socket.setSoTimeout(15_000);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        try {
            socket.getInputStream().transferTo(rest);
        } catch (SocketException reset) {
            // The connection reset after the rows sent: a failed transfer as well.
        }
        return rest.toString(StandardCharsets.UTF_8);
    }

    /**
     * A chunked answer that failed: it ended without its last chunk (a zero-length chunk), which a client
     * reports as a failed transfer (curl: "transfer closed with outstanding read data remaining"), and
     * with nothing after the rows (no problem JSON).
     */
    private static void assertFailedTransfer(String rest) {
        assertThat(rest)
                .as("the end of the answer after its first bytes")
                .doesNotEndWith("\r\n0\r\n\r\n")
                .doesNotContain("{");
    }

    /** One WARN line, without a stack trace, and no other line at WARN or ERROR. */
    private static void assertOneWarning(List<ILoggingEvent> warnings, String message) {
        assertOneWarning(warnings, line -> assertThat(line).isEqualTo(message));
    }

    /**
     * One WARN line whose message satisfies {@code message}, without a stack trace, and no other; it
     * names the download's request id ({@link #stalledDownload}'s), as README promises of every line
     * written while a request runs. It had none: the failure is handled on a dispatch of its own.
     */
    private static void assertOneWarning(List<ILoggingEvent> warnings, Consumer<String> message) {
        assertThat(warnings)
                .as(
                        "%s",
                        warnings.stream()
                                .map(ILoggingEvent::getFormattedMessage)
                                .toList())
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getLevel()).isEqualTo(Level.WARN);
                    message.accept(line.getFormattedMessage());
                    assertThat(line.getThrowableProxy()).isNull();
                    assertThat(line.getMDCPropertyMap()).containsEntry("requestId", DOWNLOAD_REQUEST_ID);
                });
    }

    /**
     * The lines at WARN or ERROR of what answers a request: the gateway's web layer (its error
     * handling), Spring MVC and the servlet container.
     */
    private static final class ServiceWarnings implements AutoCloseable {

        private final List<LogLines> loggers = List.of(
                LogLines.of("com.portfoliobulk.gateway.web"),
                LogLines.of("org.springframework.web"),
                LogLines.of("org.apache.catalina"));

        List<ILoggingEvent> lines() {
            return loggers.stream()
                    .flatMap(logger -> logger.lines().stream())
                    .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                    .toList();
        }

        @Override
        public void close() {
            loggers.forEach(LogLines::close);
        }
    }

    /** Until closed, streamed answers time out after {@code timeout}: the gateway's setting, shortened. */
    private StreamingTimeout streamingTimeout(Duration timeout) {
        handlers.setAsyncRequestTimeout(timeout.toMillis());
        return () -> handlers.setAsyncRequestTimeout(streamingTimeout.toMillis());
    }

    private interface StreamingTimeout extends AutoCloseable {

        @Override
        void close();
    }

    /** The {@code X-Request-Id} of a {@link #stalledDownload}. */
    private static final String DOWNLOAD_REQUEST_ID = "stalled-download";

    /** A download whose client reads its first bytes, enough to know it began, and then no more. */
    private Socket stalledDownload(String token, String path) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("localhost", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream()
                .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                                + "\r\nAccept: text/csv\r\nX-Request-Id: " + DOWNLOAD_REQUEST_ID + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        byte[] start = in.readNBytes(12);
        assertThat(new String(start, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
        // The first rows: the download runs, and its next writes wait for this client.
        assertThat(in.readNBytes(1024)).hasSize(1024);
        return socket;
    }

    /** A finished job of {@link #TASKS} tasks in the portfolio, written straight to the database. */
    private UUID finishedJob(UUID portfolioId) {
        UUID jobId = FinishedJobs.seed(jdbc, portfolioId, TASKS);
        seeded.add(jobId);
        return jobId;
    }
}
