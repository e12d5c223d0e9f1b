package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The multi-stage Dockerfile builds exactly the service modules, from the jars their poms produce, on
 * pinned base images, and ships the health check that docker-compose.yml calls.
 */
class DockerfileTests {

    private static final Pattern FROM = Pattern.compile("(?m)^FROM (\\S+)");

    private static final Pattern MODULE_LIST = Pattern.compile("-pl ([a-z,-]+)");

    private static final Pattern MODULE_LOOP = Pattern.compile("for module in ([a-z -]+); do");

    private final String dockerfile = ProjectFiles.read("Dockerfile");

    @Test
    void buildsOnPinnedBaseImages() {
        Matcher from = FROM.matcher(dockerfile);
        int images = 0;
        while (from.find()) {
            images++;
            assertThat(from.group(1)).matches("eclipse-temurin:\\d+\\.\\d+\\.\\d+_\\d+-(jdk|jre)");
        }
        assertThat(images).isEqualTo(2);
        assertThat(dockerfile).doesNotContain(":latest");
    }

    @Test
    void packagesExactlyTheServiceModulesFromTheirExecJars() {
        List<String> services = ProjectFiles.serviceModules();
        assertThat(services).containsExactly("api-gateway", "bulk-worker", "audit-consumer");

        Matcher modules = MODULE_LIST.matcher(dockerfile);
        assertThat(modules.find()).isTrue();
        assertThat(modules.group(1).split(",")).containsExactlyInAnyOrderElementsOf(services);
        Matcher loop = MODULE_LOOP.matcher(dockerfile);
        assertThat(loop.find()).isTrue();
        assertThat(Arrays.asList(loop.group(1).trim().split(" +"))).containsExactlyInAnyOrderElementsOf(services);
        // <artifactId>-<version>-<classifier>.jar, as the spring-boot-maven-plugin names the exec jar.
        assertThat(dockerfile).contains("cp \"$module/target/$module-\"*-exec.jar \"/out/$module.jar\"");
        assertThat(dockerfile).contains("ARG MODULE").contains("COPY --from=build /out/${MODULE}.jar /app/app.jar");
    }

    @Test
    void shipsTheHealthCheckComposeRuns() {
        assertThat(ProjectFiles.file("ops/docker/ready.sh")).isRegularFile();
        assertThat(dockerfile).contains("COPY ops/docker/ready.sh /opt/healthcheck/ready.sh");
        Map<String, Object> services =
                map(ProjectFiles.yaml("docker-compose.yml").get("services"));
        for (String module : ProjectFiles.serviceModules()) {
            assertThat(list(map(map(services.get(module)).get("healthcheck")).get("test")))
                    .startsWith("CMD", "bash", "/opt/healthcheck/ready.sh");
        }
    }

    @Test
    void keepsBuildOutputLocalDataAndSecretsOutOfTheBuildContext() {
        assertThat(ProjectFiles.read(".dockerignore").lines())
                .contains(
                        "**/target",
                        ".local-stack",
                        ".git",
                        ".env",
                        ".env.*",
                        "docker-compose.override.yml",
                        "compose.override.yaml",
                        "bench");
    }

    @Test
    void runsAsANumericUserThatIsNotRoot() {
        assertThat(dockerfile).containsPattern("(?m)^USER [1-9][0-9]{3,}:[1-9][0-9]{3,}$");
    }

    @Test
    void runsG1AndExitsWhenOutOfMemory() {
        assertThat(dockerfile)
                .contains("-XX:MaxRAMPercentage=75")
                .contains("-XX:+UseG1GC")
                .contains("-XX:+ExitOnOutOfMemoryError");
    }
}
