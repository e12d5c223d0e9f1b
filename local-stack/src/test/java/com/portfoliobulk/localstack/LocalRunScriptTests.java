package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The run command of the README: the script is valid and finds a JDK 21 or newer by itself. */
class LocalRunScriptTests {

    @Test
    void readmeQuickStartNamesTheTwoCommands() {
        String readme = ProjectFiles.read("README.md");

        assertThat(readme).contains("./run-local.sh", "./mvnw -B verify");
        assertThat(ProjectFiles.root().resolve("run-local.sh")).isExecutable();
    }

    @Test
    void scriptsParse() throws Exception {
        assertThat(bash("bash -n run-local.sh && bash -n .mvn/select-jdk.sh && bash -n .ci/run"))
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

    private static Result bash(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of("bash", "-c", script))
                .directory(ProjectFiles.root().toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {}
}
