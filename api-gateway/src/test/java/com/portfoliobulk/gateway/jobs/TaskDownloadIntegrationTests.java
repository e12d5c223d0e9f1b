package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.FinishedJobs;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/** The CSV download of a large job, read whole and read by clients that stop reading. */
class TaskDownloadIntegrationTests extends GatewayIntegrationTest {

    /** More than 25 pages of the download, the last one short. */
    private static final int TASKS = 25 * Jobs.DOWNLOAD_PAGE + 1;

    @Value("${spring.datasource.hikari.maximum-pool-size}")
    int poolSize;

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

    /** A download whose client reads its first bytes, enough to know it began, and then no more. */
    private Socket stalledDownload(String token, String path) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("localhost", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.getOutputStream()
                .write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                                + "\r\nAccept: text/csv\r\n\r\n")
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
