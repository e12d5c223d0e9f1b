package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The run command of the README: the script is valid and finds a JDK 21 or newer by itself; and the
 * benchmark's script, which places the processes in CPU groups all or nothing.
 */
class LocalRunScriptTests {

    @Test
    void readmeQuickStartNamesTheTwoCommands() {
        String readme = ProjectFiles.read("README.md");

        assertThat(readme).contains("./run-local.sh", "./mvnw -B -T 1C verify");
        assertThat(ProjectFiles.root().resolve("run-local.sh")).isExecutable();
        // CI runs the README's test command as it is written there.
        assertThat(ProjectFiles.read(".ci/run").lines()).contains("./mvnw -B -T 1C verify");
    }

    @Test
    void scriptsParse() throws Exception {
        assertThat(bash("bash -n run-local.sh && bash -n bench/run.sh && bash -n .mvn/select-jdk.sh && bash -n .ci/run"
                        + " && sh -n mvnw"))
                .isEqualTo(new Result(0, ""));
    }

    @Test
    void selectsAJdkOf21OrNewerWithoutJavaHome() throws Exception {
        // The default java is this JVM's (at least 21, as the build requires); the script looks next to it.
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        Result result = bash("unset JAVA_HOME; export PATH='" + javaBin + "':\"$PATH\"; "
                + ". ./.mvn/select-jdk.sh && select_jdk && java_major \"$JAVA_HOME/bin/java\"");

        assertThat(result.exitCode()).isZero();
        assertThat(Integer.parseInt(result.output().trim())).isGreaterThanOrEqualTo(21);
    }

    /** The local stack's JVM options, the one list run-local.sh and the benchmark use, start this JDK. */
    @Test
    void theLocalStacksJavaOptionsStartThisJdk() throws Exception {
        String setUp = "export JAVA_HOME='" + System.getProperty("java.home") + "'; . ./.mvn/select-jdk.sh";
        Result options = bash(setUp + " && local_stack_java_options");
        Result started = bash(setUp + " && mapfile -t options < <(local_stack_java_options)"
                + " && \"$JAVA_HOME/bin/java\" \"${options[@]}\" -version");

        assertThat(options.exitCode()).as(options.output()).isZero();
        assertThat(started.exitCode()).as(started.output()).isZero();
        assertThat(started.output()).doesNotContain("WARNING");
        if (Runtime.version().feature() >= 24) {
            assertThat(options.output().lines())
                    .containsExactly(
                            "-XX:-ClassUnloadingWithConcurrentMark",
                            "--sun-misc-unsafe-memory-access=allow",
                            "--enable-native-access=ALL-UNNAMED");
        } else {
            assertThat(options.output().lines()).containsExactly("-XX:-ClassUnloadingWithConcurrentMark");
        }
    }

    /**
     * The README's test command on a machine whose default java is older than 21 with a newer JDK
     * installed beside it: the wrapper selects the newer one, with one line saying which, when
     * JAVA_HOME is unset or older, and keeps a JAVA_HOME that is new enough without a word.
     */
    @Test
    void theWrapperBuildsWithAJdkOf21OrNewerWhenTheDefaultJavaIsOlder(@TempDir Path machine) throws Exception {
        Path jvm = Files.createDirectories(machine.resolve("jvm"));
        Path oldJdk = olderJdk(jvm.resolve("jdk-17"));
        Path newJdk = Files.createSymbolicLink(jvm.resolve("jdk-new"), Path.of(System.getProperty("java.home")));
        String path = "PATH='" + oldJdk.resolve("bin") + "':/usr/bin:/bin";
        int major = Runtime.version().feature();

        Result unset = bash("env -u JAVA_HOME " + path + " ./mvnw -B -v");
        Result older = bash("env JAVA_HOME='" + oldJdk + "' " + path + " ./mvnw -B -v");
        Result newEnough = bash("env JAVA_HOME='" + newJdk + "' " + path + " ./mvnw -B -v");

        assertThat(unset.exitCode()).as(unset.output()).isZero();
        assertThat(unset.output())
                .contains("mvnw: JAVA_HOME is unset; building with the JDK at " + newJdk + " (Java " + major + ")")
                .contains("Java version: " + major);
        assertThat(older.exitCode()).as(older.output()).isZero();
        assertThat(older.output())
                .contains("mvnw: JAVA_HOME is " + oldJdk + "; building with the JDK at " + newJdk)
                .contains("Java version: " + major);
        assertThat(newEnough.exitCode()).as(newEnough.output()).isZero();
        assertThat(newEnough.output()).doesNotContain("mvnw: JAVA_HOME").contains("Java version: " + major);
    }

    /**
     * After a version bump, {@code local-stack/target/} still holds the jar of the earlier version, first
     * in alphabetical order: run-local.sh and the benchmark run the jar of the version in pom.xml. Both
     * scripts run from a copy of the project with a java that prints what it is asked to run.
     */
    @Test
    void theScriptsRunTheJarOfThePomsVersionNotAnEarlierOneLeftInTarget(@TempDir Path project) throws Exception {
        String version = projectVersion();
        for (String file : List.of("run-local.sh", "bench/run.sh", ".mvn/select-jdk.sh", "pom.xml")) {
            Path copy = project.resolve(file);
            Files.createDirectories(copy.getParent());
            Files.copy(ProjectFiles.root().resolve(file), copy);
        }
        Path target = Files.createDirectories(project.resolve("local-stack/target"));
        Files.writeString(target.resolve("local-stack-0.0.1.jar"), "an earlier version");
        Files.writeString(target.resolve("local-stack-" + version + ".jar"), "this version");
        // The benchmark's client libraries, taken from the jar before: newer than it, so not taken again.
        Path lib = Files.createDirectories(project.resolve("bench/.work/lib"));
        Files.setLastModifiedTime(lib, FileTime.from(Instant.now().plusSeconds(60)));
        Path jdk = printingJdk(project.resolve("jdk"));

        String environment = "env JAVA_HOME='" + jdk + "' ";
        Result local = bash(environment + "bash '" + project.resolve("run-local.sh") + "' --no-build --verbose");
        Result bench = bash(environment + "bash '" + project.resolve("bench/run.sh") + "' --no-build --label x");

        String jar = "local-stack/target/local-stack-" + version + ".jar";
        // A copy: the build writes its jar in place, which would change the file under a running stack.
        String copy = "local-stack/target/run/local-stack-" + version + ".jar";
        assertThat(local.exitCode()).as(local.output()).isZero();
        assertThat(local.output()).contains("-jar " + copy + " --verbose");
        assertThat(bench.exitCode()).as(bench.output()).isZero();
        assertThat(bench.output()).contains("--jar " + copy + " ");
        assertThat(project.resolve(copy)).hasContent("this version");

        Files.delete(target.resolve("local-stack-" + version + ".jar"));
        Result missing = bash(environment + "bash '" + project.resolve("run-local.sh") + "' --no-build");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.output())
                .contains("No " + jar + " (the project's version); run without --no-build once.")
                .doesNotContain("0.0.1");
    }

    /**
     * {@code ./bench/run.sh --cpu-groups} places the stack's processes in CPU groups all or nothing: when
     * the cpu controller refuses one of them (here a kernel thread, which the kernel lets no group
     * take), those placed before it go back to the groups they were in, the groups are removed, and the
     * run ends naming what was refused, rather than running on with some processes in groups while its
     * results say that no group was used. The benchmark's own code, compiled from its source as its
     * launcher compiles it, on this machine's cpu controller: as root, where one is mounted.
     */
    @Test
    void theBenchmarksCpuGroupsAreAllOrNothing(@TempDir Path classes) throws Exception {
        Class<?> cpuGroups = benchClass(classes, "Bench$CpuGroups");
        Method cpuController = cpuGroups.getDeclaredMethod("cpuController");
        cpuController.setAccessible(true);
        Path controller = (Path) cpuController.invoke(null);
        assumeTrue(
                controller != null && Files.isWritable(controller.resolve("cgroup.procs")),
                "a cpu controller this user may write to (root)");
        Optional<ProcessHandle> kernelThread = ProcessHandle.allProcesses()
                .filter(process -> readQuietly(Path.of("/proc", String.valueOf(process.pid()), "comm"))
                        .trim()
                        .equals("kthreadd"))
                .findFirst();
        assumeTrue(kernelThread.isPresent(), "the kernel's threads are visible (no process namespace of its own)");
        Process first = new ProcessBuilder("sleep", "600").start();
        Process second = new ProcessBuilder("sleep", "600").start();
        Path run =
                controller.resolve("portfolio-bench-" + ProcessHandle.current().pid());
        try {
            String firstWasIn = cgroups(first.pid());
            String secondWasIn = cgroups(second.pid());
            Map<String, List<Long>> placement = new LinkedHashMap<>();
            placement.put("api-gateway", List.of(first.pid()));
            placement.put("bulk-worker", List.of(second.pid()));
            placement.put("PostgreSQL", List.of(kernelThread.get().pid()));
            Constructor<?> create = cpuGroups.getDeclaredConstructor();
            create.setAccessible(true);
            Object groups = create.newInstance();
            Method place = cpuGroups.getDeclaredMethod("place", Map.class, Map.class, Map.class, Set.class);
            place.setAccessible(true);

            Throwable thrown = catchThrowable(() -> place.invoke(groups, placement, Map.of(), Map.of(), Set.of()));

            assertThat(cgroups(first.pid())).as("the api-gateway's groups").isEqualTo(firstWasIn);
            assertThat(cgroups(second.pid())).as("the bulk-worker's groups").isEqualTo(secondWasIn);
            assertThat(run).as("the run's groups").doesNotExist();
            assertThat(thrown).as("the placement ends the run").isInstanceOf(InvocationTargetException.class);
            assertThat(thrown.getCause())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("--cpu-groups: the cpu controller refused to move process "
                            + kernelThread.get().pid() + " (PostgreSQL) into " + run.resolve("postgresql"))
                    .hasMessageEndingWith(
                            "; nothing was placed (every process moved back where it was, the groups removed)");
        } finally {
            first.destroyForcibly().waitFor();
            second.destroyForcibly().waitFor();
            // What a placement that does not undo itself leaves: its groups, empty once their processes are gone.
            if (Files.isDirectory(run)) {
                try (Stream<Path> groups = Files.list(run)) {
                    for (Path group : groups.filter(Files::isDirectory).toList()) {
                        Files.delete(group);
                    }
                }
                Files.delete(run);
            }
        }
    }

    /** A class of bench/src/Bench.java, compiled from its source with this JVM's class path. */
    private static Class<?> benchClass(Path classes, String name) throws Exception {
        int compiled = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ProjectFiles.root().resolve("bench/src/Bench.java").toString());
        assertThat(compiled).as("bench/src/Bench.java compiles").isZero();
        URLClassLoader loader =
                new URLClassLoader(new URL[] {classes.toUri().toURL()}, LocalRunScriptTests.class.getClassLoader());
        return Class.forName(name, true, loader);
    }

    /** The control groups a process is in, one line per hierarchy, from /proc. */
    private static String cgroups(long pid) throws IOException {
        return Files.readString(Path.of("/proc", String.valueOf(pid), "cgroup"));
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException ex) {
            return "";
        }
    }

    /** The project's version, the root pom.xml's own (not its parent's). */
    private static String projectVersion() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(ProjectFiles.root().resolve("pom.xml").toFile());
        return XPathFactory.newInstance().newXPath().evaluate("/project/version", pom);
    }

    /**
     * A JDK 25 as far as the selection can tell, whose java prints its arguments instead of running
     * anything.
     */
    private static Path printingJdk(Path home) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                case "$*" in
                  *-XshowSettings*) echo '    java.specification.version = 25' >&2 ;;
                  *) echo "java $*" ;;
                esac
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** A JDK 17 as far as the selection can tell: its java reports specification version 17. */
    private static Path olderJdk(Path home) throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String tool : List.of("java", "javac")) {
            Path script = bin.resolve(tool);
            Files.writeString(script, """
                    #!/bin/sh
                    echo '    java.specification.version = 17' >&2
                    echo 'openjdk version "17.0.15"' >&2
                    """);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private static Result bash(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of("bash", "-c", script))
                .directory(ProjectFiles.root().toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {}
}
