package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run-local.sh} stopped (SIGTERM, as Ctrl-C stops it) while it is still starting, as a
 * process of its own: PostgreSQL, which runs in a session of its own and would outlive the JVM, is
 * stopped with it.
 */
class LocalStackStopDuringStartSystemTests {

    @Test
    void aStopWhilePostgreSqlStartsStopsPostgreSql(@TempDir Path dataDirectory) throws Exception {
        Process stack = LocalStackProcess.start(dataDirectory);
        StringBuilder printed = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> read(stack, printed));
        Path pidFile = dataDirectory.resolve("postgres/postmaster.pid");
        Optional<ProcessHandle> postmaster = Optional.empty();
        try {
            await().atMost(ServiceProcesses.STARTUP)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> printedSoFar(printed).contains("Starting PostgreSQL 17 ... ")
                            && postmaster(pidFile).isPresent());
            postmaster = postmaster(pidFile);
            assertThat(printedSoFar(printed)).as("still starting").doesNotContain("Portfolio Bulk Access is running");

            // SIGTERM, as Ctrl-C's SIGINT ends it; through its handle, as Process.destroy() would also close
            // the pipe of its output, and what it prints while it stops with it.
            stack.toHandle().destroy();

            assertThat(stack.waitFor(5, TimeUnit.MINUTES))
                    .as("the local stack's JVM exits:\n%s", printedSoFar(printed))
                    .isTrue();
            // Everything it printed, to its end.
            reader.join(Duration.ofSeconds(30));
            ProcessHandle server = postmaster.orElseThrow();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(server.isAlive())
                            .as(
                                    "PostgreSQL (pid %d) after the local stack's stop during its start:\n%s",
                                    server.pid(), printedSoFar(printed))
                            .isFalse());
            assertThat(printedSoFar(printed))
                    .contains("Starting PostgreSQL 17 ... ready")
                    .contains("Stopping the services, then Kafka, then PostgreSQL ...")
                    .contains("Stopped. Data kept in ");
        } finally {
            stack.destroyForcibly();
            postmaster.ifPresent(ProcessHandle::destroy);
        }
    }

    /** Its output as it comes, character by character: a step's line ends only when the step is done. */
    private static void read(Process stack, StringBuilder printed) {
        try (Reader out = new InputStreamReader(stack.getInputStream(), StandardCharsets.UTF_8)) {
            char[] buffer = new char[1024];
            for (int read = out.read(buffer); read >= 0; read = out.read(buffer)) {
                synchronized (printed) {
                    printed.append(buffer, 0, read);
                }
            }
        } catch (IOException ex) {
            // The stack is gone.
        }
    }

    private static String printedSoFar(StringBuilder printed) {
        synchronized (printed) {
            return printed.toString();
        }
    }

    /** The PostgreSQL server running on the data directory, from its {@code postmaster.pid}. */
    private static Optional<ProcessHandle> postmaster(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty()
                    ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.getFirst().trim())).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException ex) {
            return Optional.empty();
        }
    }
}
