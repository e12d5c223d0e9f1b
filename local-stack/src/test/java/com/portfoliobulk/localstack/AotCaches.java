package com.portfoliobulk.localstack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts the service processes ({@link ServiceProcesses}) from their executable jars extracted and a JVM
 * AOT cache (JEP 483/514), as Spring Boot's documentation recommends: on a busy 2-core machine a service
 * is ready in a third to a half of the time, with under half the CPU, it takes from the executable jar
 * itself (whose nested jars' classes no cache can hold).
 *
 * <p>The first start of each service jar does a training run first: the same JVM options and
 * arguments with {@code -Dspring.context.exit=onRefresh}, which exits once the context is refreshed
 * (before its listeners, schedulers and relay start), and {@code -XX:AOTCacheOutput}, which writes the
 * cache at exit. The extracted jar and its cache stay under {@code target/aot-cache/}, one directory
 * per jar (its name, size and time) and JVM (its version and {@code java} executable: a cache serves
 * only the JVM build that made it), for the later starts and test runs, until the jar is built again or
 * another JVM runs it. A JVM older than 25, which cannot make a cache ({@code -XX:AOTCacheOutput} is
 * new in 25) and may not know the options at all (21 to 23 refuse to start), runs the executable jar
 * itself, without any AOT option. Whatever goes wrong is never a test's failure: a training run that
 * fails leaves the processes started from the executable jar as before, and a cache the JVM cannot use
 * (stale, damaged) is ignored by it ({@code -XX:AOTMode} stays {@code auto}), with a warning in the
 * process's log.
 */
final class AotCaches {

    /** As long as a start may take ({@link ServiceProcesses#STARTUP}). */
    private static final Duration TRAINING = ServiceProcesses.STARTUP;

    private static final Set<Path> FAILED = new HashSet<>();

    private AotCaches() {}

    /**
     * The JVM that runs the service processes.
     *
     * @param java its {@code java} executable
     * @param version its version ({@code java -version})
     */
    record Jvm(Path java, Runtime.Version version) {

        /** This JVM's own {@code java}, which the harness starts the processes with. */
        static Jvm current() {
            return new Jvm(Paths.get(System.getProperty("java.home"), "bin", "java"), Runtime.version());
        }

        /** Whether it makes and uses AOT caches the way this class does: from JDK 25 (JEP 514). */
        boolean makesAotCaches() {
            return version.feature() >= 25;
        }

        /** {@code jdk<version>-<java executable's hash>}, unique to one build and installation. */
        String key() {
            return "jdk" + version + "-"
                    + Integer.toHexString(
                            java.toAbsolutePath().normalize().toString().hashCode());
        }
    }

    /**
     * The command that runs {@code executableJar}: its extracted form with its AOT cache, trained now
     * with this command if there is none yet, or the executable jar itself if training failed.
     *
     * @param jvmOptions the JVM's options
     * @param arguments the application's arguments
     */
    static List<String> command(Path executableJar, List<String> jvmOptions, List<String> arguments) {
        return command(Jvm.current(), executableJar, jvmOptions, arguments);
    }

    /**
     * The command that runs {@code executableJar} on {@code jvm}: as {@link #command(Path, List, List)},
     * or the executable jar itself, without any AOT option, on a JVM older than 25.
     */
    static synchronized List<String> command(
            Jvm jvm, Path executableJar, List<String> jvmOptions, List<String> arguments) {
        String java = jvm.java().toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmOptions);
        if (!jvm.makesAotCaches()) {
            command.addAll(List.of("-jar", executableJar.toString()));
            command.addAll(arguments);
            return command;
        }
        Path directory = directory(executableJar, jvm);
        Path jar = directory.resolve(executableJar.getFileName());
        Path cache = directory.resolve("app.aot");
        if (!Files.isRegularFile(cache)
                && !FAILED.contains(directory)
                && !trainUnlessAnotherJvmDid(java, directory, executableJar, jvmOptions, arguments)) {
            FAILED.add(directory);
        }
        if (Files.isRegularFile(cache)) {
            command.addAll(List.of("-XX:AOTCache=" + cache, "-jar", jar.toString()));
        } else {
            command.addAll(List.of("-jar", executableJar.toString()));
        }
        command.addAll(arguments);
        return command;
    }

    /** {@code target/aot-cache/<jar's name>-<size>-<modified>-<JVM's key>} ({@link Jvm#key()}). */
    static Path directory(Path executableJar, Jvm jvm) {
        try {
            String name = executableJar.getFileName().toString().replaceFirst("\\.jar$", "");
            return Paths.get(
                            "target",
                            "aot-cache",
                            name + "-" + Files.size(executableJar) + "-"
                                    + Files.getLastModifiedTime(executableJar).toMillis() + "-" + jvm.key())
                    .toAbsolutePath();
        } catch (IOException ex) {
            return Paths.get("target", "aot-cache", "unreadable-" + jvm.key()).toAbsolutePath();
        }
    }

    /**
     * Trains under a lock on {@code target/aot-cache/.training.lock}, which the test JVMs of a parallel
     * run share: one trains while the others wait, then finds its cache.
     */
    private static boolean trainUnlessAnotherJvmDid(
            String java, Path directory, Path executableJar, List<String> jvmOptions, List<String> arguments) {
        try {
            Files.createDirectories(directory.getParent());
            try (FileChannel channel = FileChannel.open(
                            directory.resolveSibling(".training.lock"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
                    FileLock lock = channel.lock()) {
                return Files.isRegularFile(directory.resolve("app.aot"))
                        || train(java, directory, executableJar, jvmOptions, arguments);
            }
        } catch (IOException ex) {
            return false;
        }
    }

    /**
     * Extracts the jar (afresh: a directory without a cache may hold a half-done attempt) and runs it
     * once for training; the cache is written under a temporary name and renamed when complete.
     */
    private static boolean train(
            String java, Path directory, Path executableJar, List<String> jvmOptions, List<String> arguments) {
        Path log = directory.resolveSibling(directory.getFileName() + "-training.log");
        long started = System.nanoTime();
        try {
            deleteOthers(directory, executableJar);
            delete(directory);
            Files.createDirectories(directory);
            if (!run(
                    List.of(
                            java,
                            "-Djarmode=tools",
                            "-jar",
                            executableJar.toString(),
                            "extract",
                            "--force",
                            "--destination",
                            directory.toString()),
                    log)) {
                return false;
            }
            Path partial = directory.resolve("app.aot.partial");
            List<String> training = new ArrayList<>();
            training.add(java);
            training.addAll(jvmOptions);
            training.addAll(List.of(
                    "-XX:AOTCacheOutput=" + partial,
                    "-Dspring.context.exit=onRefresh",
                    "-jar",
                    directory.resolve(executableJar.getFileName()).toString()));
            training.addAll(arguments);
            if (!run(training, log) || !Files.isRegularFile(partial)) {
                return false;
            }
            Files.move(partial, directory.resolve("app.aot"), StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException ex) {
            return false;
        } finally {
            System.out.printf(
                    "AOT cache of %s: %s after %.1f s (%s)%n",
                    executableJar.getFileName(),
                    Files.isRegularFile(directory.resolve("app.aot"))
                            ? "trained"
                            : "not trained, starting the jar itself",
                    (System.nanoTime() - started) / 1e9,
                    log);
        }
    }

    /** Runs a command to its end (killed after {@link #TRAINING}); whether it exited with 0. */
    private static boolean run(List<String> command, Path log) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!process.waitFor(TRAINING.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return false;
            }
            return process.exitValue() == 0;
        } catch (InterruptedException ex) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Deletes the directories (and training logs) of the same jar's earlier builds and other JVMs. */
    private static void deleteOthers(Path directory, Path executableJar) throws IOException {
        Path root = directory.getParent();
        if (!Files.isDirectory(root)) {
            return;
        }
        String earlier = executableJar.getFileName().toString().replaceFirst("\\.jar$", "") + "-";
        String current = directory.getFileName().toString();
        try (Stream<Path> paths = Files.list(root)) {
            for (Path path : paths.toList()) {
                String name = path.getFileName().toString();
                if (name.startsWith(earlier) && !name.equals(current) && !name.equals(current + "-training.log")) {
                    delete(path);
                }
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
