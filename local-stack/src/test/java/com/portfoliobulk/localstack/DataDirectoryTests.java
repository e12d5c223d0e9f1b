package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
