package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process the harness started outlives a test JVM killed with {@code kill -9}: the next test JVM
 * stops it, and only it, never a process that merely took its process id, nor one of a test JVM that
 * still runs.
 */
class ProcessRecordsTests {

    @TempDir
    Path directory;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopTheProcesses() throws InterruptedException {
        for (Process process : started) {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void theNextTestJvmStopsAProcessThatAKilledOneLeftRunning() throws Exception {
        Path run = Files.createDirectories(directory.resolve("run"));
        Process testJvm = start("sleep", "600");
        Process child =
                start("tail", "-f", Files.createFile(run.resolve("service.log")).toString());
        ProcessRecords.Record record = new ProcessRecords(directory.resolve("records"), testJvm.toHandle())
                .process(child.toHandle(), run.toString());
        testJvm.destroyForcibly().waitFor();

        new ProcessRecords(directory.resolve("records"), ProcessHandle.current()).stopLeftovers();

        assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child, stopped").isTrue();
        assertThat(record.file()).doesNotExist();
    }

    @Test
    void aProcessThatTookTheRecordedProcessIdIsLeftAlone() throws Exception {
        Path run = Files.createDirectories(directory.resolve("run"));
        Process testJvm = start("sleep", "600");
        Process other =
                start("tail", "-f", Files.createFile(run.resolve("service.log")).toString());
        ProcessRecords records = new ProcessRecords(directory.resolve("records"), testJvm.toHandle());
        // Its process id recorded for a process of another command line, and for one started at another time.
        ProcessRecords.Record otherCommand =
                records.process(other.toHandle(), directory.resolve("other-run").toString());
        ProcessRecords.Record otherStart = records.process(other.toHandle(), run.toString());
        Files.writeString(
                otherStart.file(),
                Files.readString(otherStart.file()).replaceFirst("(?m)^start=.*$", "start=2001-01-01T00:00:00Z"));
        testJvm.destroyForcibly().waitFor();

        new ProcessRecords(directory.resolve("records"), ProcessHandle.current()).stopLeftovers();

        assertThat(other.isAlive()).isTrue();
        assertThat(otherCommand.file()).doesNotExist();
        assertThat(otherStart.file()).doesNotExist();
    }

    @Test
    void theProcessesOfATestJvmThatStillRunsAreLeftAlone() throws Exception {
        Path run = Files.createDirectories(directory.resolve("run"));
        Process testJvm = start("sleep", "600");
        Process child =
                start("tail", "-f", Files.createFile(run.resolve("service.log")).toString());
        ProcessRecords.Record record = new ProcessRecords(directory.resolve("records"), testJvm.toHandle())
                .process(child.toHandle(), run.toString());

        new ProcessRecords(directory.resolve("records"), ProcessHandle.current()).stopLeftovers();

        assertThat(child.isAlive()).isTrue();
        assertThat(record.file()).exists();
    }

    private Process start(String... command) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        started.add(process);
        return process;
    }
}
