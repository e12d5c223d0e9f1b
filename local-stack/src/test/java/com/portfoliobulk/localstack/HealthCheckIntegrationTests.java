package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The containers' health check program (ops/docker/HealthCheck.java), compiled and run as Docker does. */
class HealthCheckIntegrationTests {

    @TempDir
    static Path classes;

    @BeforeAll
    static void compile() {
        int result = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        ProjectFiles.file("ops/docker/HealthCheck.java").toString());
        assertThat(result).as("javac ops/docker/HealthCheck.java").isZero();
    }

    @Test
    void passesWhenTheServiceIsReady() throws Exception {
        ServiceStack stack = TestStack.get();

        for (String url : List.of(stack.gatewayUrl(), stack.workerUrl(), stack.auditUrl())) {
            assertThat(probe(url + "/actuator/health/readiness")).as(url).isZero();
        }
    }

    @Test
    void failsWhenNothingAnswersOrTheAnswerIsNotOk() throws Exception {
        ServiceStack stack = TestStack.get();

        assertThat(probe("http://localhost:" + PersistentKafka.freePort() + "/actuator/health/readiness"))
                .isOne();
        assertThat(probe(stack.workerUrl() + "/no-such-endpoint")).isOne();
    }

    private static int probe(String url) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-cp", classes.toString(), "HealthCheck", url)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
