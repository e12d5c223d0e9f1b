package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory whose stack did not stop cleanly, with real PostgreSQL servers: {@code --reset} on
 * it, and the next start after a crash of the machine.
 */
class DataDirectoryResetIntegrationTests {

    @TempDir
    Path root;

    /**
     * A killed local stack leaves its PostgreSQL running, holding its port. The reset must stop that
     * server before it deletes the data directory: once {@code postmaster.pid} is gone, nothing finds
     * the server any more, and the new one cannot take the port. An operator's session still open on it
     * (a {@code psql}) is ended, not waited for.
     */
    @Test
    void aResetRightAfterACrashStopsThePostgreSqlLeftRunningWithASessionOpenAndStartsAFreshOneOnItsPort()
            throws Exception {
        int port;
        ProcessHandle leftover;
        Connection session;
        try (DataDirectory crashed = DataDirectory.open(root, false)) {
            // Started and never closed: the stack's JVM died, its server did not.
            PersistentPostgres orphan = PersistentPostgres.start(
                    crashed.postgres(), 0, crashed.logs().resolve("postgres.log"));
            port = orphan.port();
            leftover = ProcessHandle.of(
                            Long.parseLong(Files.readAllLines(crashed.postgres().resolve("postmaster.pid"))
                                    .getFirst()
                                    .trim()))
                    .orElseThrow();
            DatabaseEndpoint endpoint = orphan.endpoint();
            session = DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
        }
        try (session;
                DataDirectory directory = DataDirectory.open(root, true);
                PersistentPostgres postgres = PersistentPostgres.start(
                        directory.postgres(), port, directory.logs().resolve("postgres.log"))) {
            assertThat(leftover.isAlive()).as("the server left running").isFalse();
            assertThat(postgres.created()).as("a fresh database").isTrue();
            assertThat(postgres.port()).isEqualTo(port);
        } finally {
            if (leftover.isAlive()) {
                leftover.destroy();
                leftover.onExit().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /**
     * A crash of the machine leaves {@code postmaster.pid} behind, and after the reboot its process
     * number may belong to another process, even another data directory's PostgreSQL server: the reset
     * leaves that one running.
     */
    @Test
    void aResetLeavesAloneAnotherServerThatTookTheProcessNumberOfAStalePidFile(@TempDir Path elsewhere)
            throws Exception {
        try (PersistentPostgres other =
                PersistentPostgres.start(elsewhere.resolve("postgres"), 0, elsewhere.resolve("postgres.log"))) {
            Path otherPidFile = elsewhere.resolve("postgres").resolve("postmaster.pid");
            ProcessHandle otherServer = ProcessHandle.of(Long.parseLong(
                            Files.readAllLines(otherPidFile).getFirst().trim()))
                    .orElseThrow();
            // The crashed stack's directory (a stack opens it first), with its server's pid file as
            // that server wrote it, an hour before the other one started.
            DataDirectory.open(root, false).close();
            List<String> pidFile = new ArrayList<>(Files.readAllLines(otherPidFile));
            pidFile.set(1, root.resolve("postgres").toString());
            pidFile.set(2, String.valueOf(Long.parseLong(pidFile.get(2).trim()) - 3600));
            Path crashed = Files.createDirectories(root.resolve("postgres"));
            Files.write(crashed.resolve("postmaster.pid"), pidFile);

            try (DataDirectory directory = DataDirectory.open(root, true)) {
                assertThat(directory.postgres()).doesNotExist();
            }

            assertThat(otherServer.isAlive())
                    .as("the other data directory's server")
                    .isTrue();
            DatabaseEndpoint endpoint = other.endpoint();
            try (Connection connection =
                            DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
                    ResultSet rows = connection.createStatement().executeQuery("SELECT 1")) {
                assertThat(rows.next()).isTrue();
            }
        }
    }

    /**
     * A crash of the machine leaves {@code postmaster.pid} (and the socket's lock file) behind, and after
     * the reboot their process number may belong to another process of the same user. That process is
     * left alone, and the next start removes the stale files, which PostgreSQL refuses to start beside
     * while the process they name is alive, and keeps the data.
     */
    @Test
    void theStartAfterACrashOfTheMachineKeepsTheDataWhenAnotherProcessTookTheNumberInThePidFile() throws Exception {
        int port;
        List<String> pidFile;
        try (DataDirectory directory = DataDirectory.open(root, false);
                PersistentPostgres postgres = PersistentPostgres.start(
                        directory.postgres(), 0, directory.logs().resolve("postgres.log"))) {
            port = postgres.port();
            DatabaseEndpoint endpoint = postgres.endpoint();
            try (Connection connection =
                            DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (value text)");
                statement.execute("INSERT INTO kept VALUES ('before the crash')");
            }
            pidFile = new ArrayList<>(Files.readAllLines(directory.postgres().resolve("postmaster.pid")));
        }
        Process sameUsersProcess = new ProcessBuilder("sleep", "600").start();
        try {
            // As the power loss left them, their process number now another process's.
            pidFile.set(0, String.valueOf(sameUsersProcess.pid()));
            Path crashed = root.resolve("postgres");
            Files.write(crashed.resolve("postmaster.pid"), pidFile);
            Files.write(crashed.resolve(".s.PGSQL." + port + ".lock"), pidFile);

            try (DataDirectory directory = DataDirectory.open(root, false);
                    PersistentPostgres postgres = PersistentPostgres.start(
                            directory.postgres(), port, directory.logs().resolve("postgres.log"))) {
                assertThat(postgres.created()).as("the database from before").isFalse();
                DatabaseEndpoint endpoint = postgres.endpoint();
                try (Connection connection = DriverManager.getConnection(
                                endpoint.jdbcUrl(), endpoint.username(), endpoint.password());
                        ResultSet rows = connection.createStatement().executeQuery("SELECT value FROM kept")) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getString(1)).isEqualTo("before the crash");
                }
            }
            assertThat(sameUsersProcess.isAlive())
                    .as("the process that took the number")
                    .isTrue();
        } finally {
            sameUsersProcess.destroy();
            sameUsersProcess.onExit().get(1, TimeUnit.MINUTES);
        }
    }
}
