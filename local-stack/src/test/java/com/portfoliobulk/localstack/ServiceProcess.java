package com.portfoliobulk.localstack;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service running as its own JVM process (see {@link ServiceProcesses}): its port stays the same
 * across restarts, its output goes to {@link #log()}.
 */
final class ServiceProcess {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ServiceProcesses.Service service;

    private final String name;

    private final int port;

    private final List<String> command;

    private final Path log;

    private Process process;

    /** The running process's record ({@link ProcessRecords}), deleted once the harness stopped it. */
    private ProcessRecords.Record record;

    /**
     * @param command the command, which holds {@link ProcessRecords#RUN_OPTION}: the text the process's
     *     record knows it by
     */
    ServiceProcess(ServiceProcesses.Service service, String name, int port, List<String> command, Path log) {
        this.service = service;
        this.name = name;
        this.port = port;
        this.command = List.copyOf(command);
        this.log = log;
    }

    ServiceProcesses.Service service() {
        return service;
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The process's output (every start of it, appended). */
    Path log() {
        return log;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The process id of the running JVM. */
    long pid() {
        return process.pid();
    }

    synchronized void start() {
        if (alive()) {
            throw new IllegalStateException(name + " is running already");
        }
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not start " + name, ex);
        }
        if (record != null) {
            // Of its previous run, which exited by itself.
            record.delete();
        }
        record = ProcessRecords.get().process(process.toHandle(), ProcessRecords.RUN_OPTION);
    }

    /** Starts the process again, same command and port, after it stopped or was killed. */
    ServiceProcess restart() {
        start();
        return this;
    }

    /** {@code kill -9}: the process dies at once, without leaving its consumer groups or closing anything. */
    synchronized ServiceProcess kill9() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
        return this;
    }

    /**
     * {@code kill -STOP}: the process stops where it is, as a frozen VM or container would; its
     * connections stay open and its kernel still answers for them, so nothing tells its peers it is
     * gone. {@link #thaw()} lets it run on.
     */
    synchronized ServiceProcess freeze() {
        signal("STOP");
        return this;
    }

    /** {@code kill -CONT}: a {@linkplain #freeze() frozen} process runs on. */
    synchronized ServiceProcess thaw() {
        signal("CONT");
        return this;
    }

    /** Whether the process is {@linkplain #freeze() frozen} (its state in {@code /proc} is T, stopped). */
    boolean frozen() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
            // pid (comm) state ...: the command may hold spaces and parentheses, the state follows the last ')'.
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException ex) {
            return false;
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                    .redirectErrorStream(true)
                    .start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not signal " + name, ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while signalling " + name, ex);
        }
    }

    /** {@code kill} (SIGTERM): the service shuts down gracefully. */
    synchronized ServiceProcess stop() {
        if (process != null) {
            process.destroy();
            awaitExit();
        }
        return this;
    }

    /**
     * The HTTP status of {@code /actuator/health/readiness}: 200 when ready, 503 when not, -1 when
     * nothing answers.
     */
    int readiness() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(10))
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException ex) {
            return -1;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits until the process answers ready; fails at once, with its log's tail, if it exits. */
    ServiceProcess awaitReady(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!alive()) {
                throw new IllegalStateException(name + " exited while starting; its log ends with:\n" + logTail());
            }
            return readiness() == 200;
        });
        return this;
    }

    /** The last lines of the log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException ex) {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (" + service.module() + " on port " + port + ")";
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return;
        }
        if (record != null) {
            record.delete();
            record = null;
        }
    }
}
