package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory the local stack's PostgreSQL programs are unpacked into: one only the stack's OS user
 * may enter, below directories no other user may change.
 */
class PostgresBinariesDirectoryTests {

    @TempDir
    Path root;

    @Test
    void theBinariesLieInADirectoryOnlyItsOwnerMayEnter() throws IOException {
        Path binaries = PersistentPostgres.binariesDirectory(root.resolve("cache"));

        Path own = root.resolve("cache").resolve(PersistentPostgres.CACHE_DIRECTORY);
        assertThat(binaries.getParent()).isEqualTo(own);
        assertThat(Files.getPosixFilePermissions(own)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void aDirectoryFromBeforeThatOthersMayEnterIsClosedToThem() throws IOException {
        Path own = Files.createDirectories(root.resolve("cache").resolve(PersistentPostgres.CACHE_DIRECTORY));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwxr-xr-x"));

        PersistentPostgres.binariesDirectory(root.resolve("cache"));

        assertThat(Files.getPosixFilePermissions(own)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void cachesBelowADirectoryEveryoneMayWriteAreRefused() throws IOException {
        Path open = Files.createDirectory(root.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> PersistentPostgres.binariesDirectory(open.resolve("cache")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("another user of the machine may replace")
                .hasMessageContaining(open.toString());
    }

    @Test
    void cachesBelowALinkIntoADirectoryEveryoneMayWriteAreRefused() throws IOException {
        Path open = Files.createDirectory(root.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path link = Files.createSymbolicLink(root.resolve("link"), open);

        assertThatThrownBy(() -> PersistentPostgres.binariesDirectory(link.resolve("cache")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(open.toString());
    }

    @Test
    void aLinkInPlaceOfTheDirectoryIsRefused() throws IOException {
        Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
        Files.createDirectories(root.resolve("cache"));
        Files.createSymbolicLink(root.resolve("cache").resolve(PersistentPostgres.CACHE_DIRECTORY), elsewhere);

        assertThatThrownBy(() -> PersistentPostgres.binariesDirectory(root.resolve("cache")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not a directory of this OS user's");
    }
}
