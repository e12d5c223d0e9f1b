package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.FreePorts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The local stack's main class started as run-local.sh starts its jar, in a process of its own. */
final class LocalStackProcess {

    private LocalStackProcess() {}

    /**
     * Starts the local stack with this test JVM's class path on free ports, its data in {@code
     * dataDirectory}, with the given options besides; its output and errors in one stream. Its JVM
     * compiles with C1 only and collects with the serial collector, as the harness's service processes
     * ({@link ServiceProcesses}): on a busy 2-core machine that halves the CPU a start takes (the
     * service JVMs of {@code --jvm-per-service} run with this JVM's options, {@link ServiceJvms}).
     */
    static Process start(Path dataDirectory, String... options) throws IOException {
        return command(dataDirectory, options).start();
    }

    /** What {@link #start} runs, to change (its environment, say) before starting it. */
    static ProcessBuilder command(Path dataDirectory, String... options) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                LocalStack.class.getName(),
                "--data-dir",
                dataDirectory.toString()));
        for (String port : List.of(
                "--gateway-port",
                "--worker-port",
                "--audit-port",
                "--postgres-port",
                "--kafka-port",
                "--smtp-port",
                "--mailbox-port")) {
            command.add(port);
            command.add(String.valueOf(FreePorts.take()));
        }
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }
}
