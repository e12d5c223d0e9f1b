package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
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

    /**
     * Where each user has a group of their own (Fedora, Debian and Ubuntu with user private groups, whose
     * umask 002 makes new directories group-writable), a directory writable by that group is writable by
     * the user alone: caches there are accepted, also a caches directory the stack makes itself.
     */
    @Test
    void cachesBelowADirectoryWritableByTheUsersOwnGroupAreAccepted() throws IOException {
        Path shared = Files.createDirectory(root.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        String group =
                Files.readAttributes(shared, PosixFileAttributes.class).group().getName();
        assumeTrue(
                group.equals(System.getProperty("user.name")),
                "the test's directories belong to the user's own group (" + group + ")");

        Path binaries = PersistentPostgres.binariesDirectory(shared.resolve("cache"));

        assertThat(binaries.getParent().getParent()).isEqualTo(shared.resolve("cache"));
        assertThat(Files.getPosixFilePermissions(shared.resolve("cache")))
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
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
