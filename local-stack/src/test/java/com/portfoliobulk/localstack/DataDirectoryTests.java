package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTests {

    @TempDir
    Path root;

    @Test
    void oneStackAtATimeUsesADirectory() {
        try (DataDirectory first = DataDirectory.open(root, false)) {
            assertThat(first.logs()).isDirectory();

            assertThatIllegalStateException()
                    .isThrownBy(() -> DataDirectory.open(root, true))
                    .withMessageContaining("Another local stack is running on " + root.toAbsolutePath());
        }
        DataDirectory.open(root, false).close();
    }

    @Test
    void resetWipesEverythingButKeepsTheDirectory() throws Exception {
        DataDirectory.open(root, false).close();
        Files.createDirectories(root.resolve("postgres/base"));
        Files.writeString(root.resolve("postgres/base/1"), "data");
        Files.writeString(root.resolve("admin-token"), "old");

        try (DataDirectory directory = DataDirectory.open(root, true)) {
            assertThat(root.resolve("postgres")).doesNotExist();
            assertThat(root.resolve("admin-token")).doesNotExist();
            assertThat(directory.logs()).isDirectory();

            directory.writeAdminToken("token");
            assertThat(directory.adminToken()).hasContent("token" + System.lineSeparator());
        }
        try (DataDirectory kept = DataDirectory.open(root, false)) {
            assertThat(kept.adminToken()).exists();
        }
    }

    /** A stack that ran leaves its lock file, even when its PostgreSQL and Kafka never started. */
    @Test
    void resetWipesADirectoryAStackUsedBefore() throws Exception {
        try (DataDirectory used = DataDirectory.open(root, false)) {
            used.writeAdminToken("token");
            Files.writeString(used.logs().resolve("local-stack.log"), "started");
        }

        try (DataDirectory directory = DataDirectory.open(root, true)) {
            assertThat(directory.adminToken()).doesNotExist();
            assertThat(directory.logs()).isEmptyDirectory();
        }
    }

    /** A first run with {@code --reset} has nothing to wipe. */
    @Test
    void resetAcceptsADirectoryThatIsEmptyOrMissing() {
        DataDirectory.open(root, true).close();
        DataDirectory.open(root.resolve("new"), true).close();

        assertThat(root.resolve("new/logs")).isDirectory();
    }

    /**
     * {@code --data-dir} pointing at the wrong directory ({@code --data-dir ~}, a typo) must not lose
     * its files: a directory without the lock file is no local stack's, and the reset refuses it and
     * leaves it as it was.
     */
    @Test
    void resetRefusesADirectoryThatHoldsNoLocalStacksDataAndKeepsItsFiles() throws Exception {
        Files.writeString(root.resolve("thesis.tex"), "years of work");
        Files.createDirectories(root.resolve("logs"));

        assertThatIllegalStateException()
                .isThrownBy(() -> DataDirectory.open(root, true))
                .withMessageContaining(root.toAbsolutePath().toString())
                .withMessageContaining("no local-stack.lock");

        assertThat(root.resolve("thesis.tex")).hasContent("years of work");
        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.map(entry -> entry.getFileName().toString()))
                    .as("the directory as it was, without a lock file")
                    .containsExactlyInAnyOrder("thesis.tex", "logs");
        }
    }

    /**
     * {@code --data-dir ~} on a home folder with a Kafka of its own in {@code ~/kafka}: a {@code kafka/}
     * (or {@code postgres/}) folder is no sign of a local stack, only its lock file is, so the reset
     * refuses the directory and leaves everything in it.
     */
    @Test
    void resetRefusesADirectoryWhoseKafkaOrPostgresFolderIsNotALocalStacks() throws Exception {
        Files.createDirectories(root.resolve("kafka"));
        Files.writeString(root.resolve("kafka/server.properties"), "broker.id=0");
        Files.createDirectories(root.resolve("postgres"));
        Files.writeString(root.resolve("postgres/notes.sql"), "SELECT 1;");
        Files.writeString(root.resolve(".bashrc"), "export EDITOR=vi");

        assertThatIllegalStateException()
                .isThrownBy(() -> DataDirectory.open(root, true))
                .withMessageContaining("Will not wipe " + root.toAbsolutePath())
                .withMessageContaining("no local-stack.lock");

        assertThat(root.resolve("kafka/server.properties")).hasContent("broker.id=0");
        assertThat(root.resolve("postgres/notes.sql")).hasContent("SELECT 1;");
        assertThat(root.resolve(".bashrc")).hasContent("export EDITOR=vi");
        try (Stream<Path> entries = Files.list(root)) {
            assertThat(entries.map(entry -> entry.getFileName().toString()))
                    .as("the directory as it was, without a lock file")
                    .containsExactlyInAnyOrder("kafka", "postgres", ".bashrc");
        }
    }
}
