package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where a process's working directory is unknown (no {@code /proc}), a {@code postmaster.pid} names a
 * running process only if that process started by the time the file says its server did.
 */
class PostmasterPidFileTests {

    private final ProcessHandle process = ProcessHandle.current();

    private final Instant started = process.info().startInstant().orElseThrow();

    @Test
    void aProcessThatStartedByTheTimeTheFileSaysIsTheServer() {
        assertThat(PersistentPostgres.startedBy(process, pidFile(started))).isTrue();
        assertThat(PersistentPostgres.startedBy(process, pidFile(Instant.now())))
                .isTrue();
    }

    @Test
    void aProcessThatStartedLaterTookTheNumberAfterACrash() {
        assertThat(PersistentPostgres.startedBy(process, pidFile(started.minusSeconds(3600))))
                .isFalse();
        assertThat(PersistentPostgres.startedBy(process, List.of(String.valueOf(process.pid()))))
                .as("no start in the file")
                .isFalse();
    }

    /** {@code postmaster.pid}'s first three lines: process number, data directory, start in seconds. */
    private List<String> pidFile(Instant serverStart) {
        return List.of(
                String.valueOf(process.pid()),
                "/var/lib/postgres",
                String.valueOf(serverStart.getEpochSecond()),
                "5432");
    }
}
