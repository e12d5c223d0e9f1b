package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./run-local.sh} while PostgreSQL starts, as a process of its own: stopped meanwhile (SIGTERM, as
 * Ctrl-C stops it), PostgreSQL, which runs in a session of its own and would outlive the JVM, is stopped
 * with it; a start that takes minutes, as a recovery does, is waited for as long as the server runs; a
 * server that exits during its start ends the stack's within seconds, with the end of its log.
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

    /**
     * A start that takes longer than a minute, as a recovery after a crash may take minutes: here a
     * server in recovery that refuses every connection until it is promoted (a standby without hot
     * standby), as a replaying server refuses them until it has replayed the WAL. The local stack waits
     * as long as it runs, saying once a minute that it is still starting, and goes on once it is ready.
     */
    @Test
    void aPostgreSqlStartThatTakesMinutesIsWaitedFor(@TempDir Path dataDirectory) throws Exception {
        Path postgres = dataDirectory.resolve("postgres");
        Files.createDirectories(dataDirectory.resolve("logs"));
        PersistentPostgres.start(postgres, 0, dataDirectory.resolve("logs/postgres.log"))
                .close();
        Files.writeString(postgres.resolve("standby.signal"), "");
        Files.writeString(postgres.resolve("postgresql.auto.conf"), "hot_standby = off\n", StandardOpenOption.APPEND);
        Process stack = LocalStackProcess.start(dataDirectory);
        StringBuilder printed = new StringBuilder();
        Thread.ofPlatform().daemon().start(() -> read(stack, printed));
        try {
            await().atMost(Duration.ofMinutes(4))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> printedSoFar(printed).contains("PostgreSQL is still starting after 1 min")
                            || !stack.isAlive());
            assertThat(printedSoFar(printed))
                    .as("still starting after a minute")
                    .contains("Starting PostgreSQL 17 ... ")
                    .contains("PostgreSQL is still starting after 1 min, the last line of its log: ")
                    .doesNotContain("did not start");
            assertThat(stack.isAlive()).isTrue();

            // The end of the recovery: promoted, as pg_ctl promote does it.
            Files.writeString(postgres.resolve("promote"), "");
            ProcessHandle server =
                    postmaster(postgres.resolve("postmaster.pid")).orElseThrow();
            Process promote = new ProcessBuilder("kill", "-USR1", String.valueOf(server.pid()))
                    .redirectErrorStream(true)
                    .start();
            assertThat(promote.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(promote.exitValue()).isZero();

            // Ready once the recovery ended: the stack goes on to start the services (not waited for here).
            Pattern ready = Pattern.compile("PostgreSQL is still starting after \\d+ min, the last line of its log: .*"
                    + " \\.\\.\\. ready \\(\\d+\\.\\d s\\)");
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> ready.matcher(printedSoFar(printed)).find() || !stack.isAlive());
            assertThat(printedSoFar(printed)).containsPattern(ready).doesNotContain("did not start");

            stack.toHandle().destroy();
            assertThat(stack.waitFor(5, TimeUnit.MINUTES)).isTrue();
        } finally {
            stack.destroyForcibly();
            PersistentPostgres.stopLeftoverServer(postgres);
        }
    }

    /**
     * A server that exits during its start, here as another program holds its port: the local stack's
     * start ends within seconds, saying so, with the end of the server's log, which says why.
     */
    @Test
    void aPostgreSqlThatExitsDuringItsStartEndsTheStartWithItsLog(@TempDir Path dataDirectory) throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            // Whatever connects is let in and sent away at once, as a server that is not PostgreSQL would.
            Thread.ofVirtual().start(() -> {
                while (!taken.isClosed()) {
                    try (Socket connection = taken.accept()) {
                        // Closed at once.
                    } catch (IOException ex) {
                        // Closed.
                    }
                }
            });
            Process stack =
                    LocalStackProcess.start(dataDirectory, "--postgres-port", String.valueOf(taken.getLocalPort()));
            StringBuilder printed = new StringBuilder();
            Thread reader = Thread.ofPlatform().daemon().start(() -> read(stack, printed));
            try {
                assertThat(stack.waitFor(5, TimeUnit.MINUTES))
                        .as("the local stack's JVM exits:\n%s", printedSoFar(printed))
                        .isTrue();
                reader.join(Duration.ofSeconds(30));
                assertThat(stack.exitValue()).isEqualTo(1);
                assertThat(printedSoFar(printed))
                        // "exited during its start" once seen running: this one may exit before it is seen.
                        .containsPattern("The local stack did not start: PostgreSQL (\\(pid \\d+\\) exited during its"
                                + " start|did not start); the end of \\S+/logs/postgres\\.log:")
                        .contains("could not bind IPv4 address \"127.0.0.1\": Address already in use")
                        .contains("FATAL:  could not create any TCP/IP sockets");
            } finally {
                stack.destroyForcibly();
                PersistentPostgres.stopLeftoverServer(dataDirectory.resolve("postgres"));
            }
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
