package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's PostgreSQL lets no one in without a password: not over TCP, not over its Unix
 * socket, which lives in the data directory instead of {@code /tmp}; the superuser's password is in a
 * file only the stack's OS user can read; the server's programs lie in a directory only that user may
 * enter. A data directory from before (initdb's {@code trust}) keeps its data and gets a password at its
 * next start.
 */
class PersistentPostgresPasswordIntegrationTests {

    /** Where README says the superuser's password is, in PostgreSQL's data directory. */
    private static final String PASSWORD_FILE = "superuser-password";

    @TempDir
    Path root;

    @Test
    void aNewDataDirectoryRefusesTheSuperuserWithoutItsPasswordOverTcpAndTheSocket() throws Exception {
        Path data = root.resolve("postgres");
        try (PersistentPostgres postgres = PersistentPostgres.start(data, 0, root.resolve("postgres.log"))) {
            assertRefusedWithoutThePassword(postgres);

            Path passwordFile = data.resolve(PASSWORD_FILE);
            assertThat(Files.getPosixFilePermissions(passwordFile))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            String password = Files.readString(passwordFile).trim();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo("postgres");
            assertThat(postgres.endpoint().password()).isEqualTo(password);
            assertThat(currentUser(postgres.endpoint().jdbcUrl(), "postgres", password))
                    .isEqualTo("postgres");

            int port = postgres.port();
            assertThat(Path.of("/tmp/.s.PGSQL." + port)).as("no socket in /tmp").doesNotExist();
            assertThat(data.resolve(".s.PGSQL." + port))
                    .as("the socket in the data directory")
                    .exists();
            assertThat(Files.getPosixFilePermissions(data)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(psqlOverTheSocket(data, port, null))
                    .as("psql over the socket without a password")
                    .isNotEqualTo(new Psql(0, "postgres\n"));
            assertThat(psqlOverTheSocket(data, port, "postgres"))
                    .as("psql over the socket with initdb's password")
                    .isNotEqualTo(new Psql(0, "postgres\n"));
            assertThat(psqlOverTheSocket(data, port, password))
                    .as("psql over the socket with the password")
                    .isEqualTo(new Psql(0, "postgres\n"));

            Path program = postmasterProgram(data);
            assertThat(directoriesOnlyTheUserMayEnter(program, (Integer) Files.getAttribute(root, "unix:uid")))
                    .as("directories only this OS user may enter around the running server's program " + program)
                    .isNotEmpty();
        }
    }

    /** The program the running server was started from, as the kernel knows it. */
    private static Path postmasterProgram(Path data) throws IOException {
        String pid =
                Files.readAllLines(data.resolve("postmaster.pid")).getFirst().trim();
        return Files.readSymbolicLink(Path.of("/proc", pid, "exe"));
    }

    private static List<Path> directoriesOnlyTheUserMayEnter(Path program, int user) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path directory = program.getParent(); directory != null; directory = directory.getParent()) {
            if (Files.getPosixFilePermissions(directory).equals(PosixFilePermissions.fromString("rwx------"))
                    && Files.getAttribute(directory, "unix:uid").equals(user)) {
                found.add(directory);
            }
        }
        return found;
    }

    @Test
    void aDataDirectoryFromBeforePasswordsKeepsItsDataAndGetsAPasswordAtItsNextStart() throws Exception {
        Path data = root.resolve("postgres");
        Files.createDirectories(data);
        // As the local stack set it up before: initdb's trust, the socket in /tmp.
        try (EmbeddedPostgres before = EmbeddedPostgres.builder()
                        .setDataDirectory(data)
                        .setCleanDataDirectory(false)
                        .setRegisterShutdownHook(false)
                        .setPGStartupWait(Duration.ofSeconds(60))
                        .start();
                Connection connection = before.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + PersistentPostgres.DATABASE);
            try (Connection bulk =
                            DriverManager.getConnection(before.getJdbcUrl("postgres", PersistentPostgres.DATABASE));
                    Statement kept = bulk.createStatement()) {
                kept.execute("CREATE TABLE kept (value text)");
                kept.execute("INSERT INTO kept VALUES ('a developer''s data')");
            }
        }
        assertThat(data.resolve(PASSWORD_FILE)).doesNotExist();

        String password;
        try (PersistentPostgres postgres = PersistentPostgres.start(data, 0, root.resolve("postgres.log"))) {
            assertThat(postgres.created())
                    .as("the database is the one from before")
                    .isFalse();
            assertRefusedWithoutThePassword(postgres);
            password = Files.readString(data.resolve(PASSWORD_FILE)).trim();
            try (Connection connection =
                            DriverManager.getConnection(postgres.endpoint().jdbcUrl(), "postgres", password);
                    ResultSet rows = connection.createStatement().executeQuery("SELECT value FROM kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("a developer's data");
            }
        }
        try (PersistentPostgres again = PersistentPostgres.start(data, 0, root.resolve("postgres.log"))) {
            assertThat(again.endpoint().password()).as("the password is kept").isEqualTo(password);
            assertRefusedWithoutThePassword(again);
            assertThat(currentUser(again.endpoint().jdbcUrl(), "postgres", password))
                    .isEqualTo("postgres");
        }
    }

    private static void assertRefusedWithoutThePassword(PersistentPostgres postgres) {
        String url = postgres.endpoint().jdbcUrl();
        assertThatThrownBy(() -> currentUser(url, "postgres", null))
                .as("the superuser without a password")
                .isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> currentUser(url, "postgres", "postgres"))
                .as("the superuser with initdb's conventional password")
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    private static String currentUser(String url, String user, String password) throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", user);
        if (password != null) {
            login.setProperty("password", password);
        }
        try (Connection connection = DriverManager.getConnection(ServiceRoles.withoutCredentials(url), login);
                ResultSet rows = connection.createStatement().executeQuery("SELECT current_user")) {
            assertThat(rows.next()).isTrue();
            return rows.getString(1);
        }
    }

    /** {@code psql} as the superuser over the Unix socket in the data directory, never asking for a password. */
    private static Psql psqlOverTheSocket(Path socketDirectory, int port, String password)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(
                        "psql",
                        "-X",
                        "-w",
                        "-A",
                        "-t",
                        "-h",
                        socketDirectory.toString(),
                        "-p",
                        String.valueOf(port),
                        "-U",
                        "postgres",
                        "-d",
                        "postgres",
                        "-c",
                        "SELECT current_user"))
                .redirectErrorStream(true);
        builder.environment().remove("PGPASSWORD");
        builder.environment().put("PGPASSFILE", "/dev/null");
        if (password != null) {
            builder.environment().put("PGPASSWORD", password);
        }
        Process process = Programs.start(builder);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Psql(process.exitValue(), output);
    }

    private record Psql(int exitCode, String output) {}
}
