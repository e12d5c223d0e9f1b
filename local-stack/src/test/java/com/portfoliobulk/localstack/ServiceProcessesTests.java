package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module's target directory not cleaned since the project's version changed holds the executable jars
 * of both versions: the service processes start the project's version's, whichever the directory lists
 * first, and without a version to choose by the harness names the jars instead of picking one.
 */
class ServiceProcessesTests {

    private static final Pattern PARENT_VERSION =
            Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL);

    @Test
    void startsTheJarOfTheProjectsVersionAmongThoseOfOtherVersions(@TempDir Path target) throws IOException {
        Path older = Files.createFile(target.resolve("bulk-worker-0.1.0-SNAPSHOT-exec.jar"));
        Path newer = Files.createFile(target.resolve("bulk-worker-0.2.0-SNAPSHOT-exec.jar"));
        Files.createFile(target.resolve("bulk-worker-0.2.0-SNAPSHOT.jar"));

        assertThat(ServiceProcesses.executableJar(target, "bulk-worker", "0.2.0-SNAPSHOT"))
                .isEqualTo(newer);
        assertThat(ServiceProcesses.executableJar(target, "bulk-worker", "0.1.0-SNAPSHOT"))
                .isEqualTo(older);
        assertThatIllegalStateException()
                .isThrownBy(() -> ServiceProcesses.executableJar(target, "bulk-worker", "0.3.0"))
                .withMessageContaining("No bulk-worker-0.3.0-exec.jar")
                .withMessageContaining("bulk-worker-0.1.0-SNAPSHOT-exec.jar, bulk-worker-0.2.0-SNAPSHOT-exec.jar");
        assertThatIllegalStateException()
                .isThrownBy(() -> ServiceProcesses.executableJar(target, "bulk-worker", null))
                .withMessageContaining("bulk-worker-0.1.0-SNAPSHOT-exec.jar, bulk-worker-0.2.0-SNAPSHOT-exec.jar");
    }

    @Test
    void mavensTestRunTellsTheHarnessTheProjectsVersion() {
        Matcher parent = PARENT_VERSION.matcher(ProjectFiles.read("local-stack/pom.xml"));
        assertThat(parent.find()).isTrue();
        assertThat(System.getProperty(ServiceProcesses.VERSION_PROPERTY))
                .as("set by local-stack/pom.xml's surefire configuration")
                .isEqualTo(parent.group(1));
    }
}
