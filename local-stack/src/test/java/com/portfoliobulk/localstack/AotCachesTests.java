package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.localstack.AotCaches.Jvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache the service processes start with belongs to the JVM that made it: another JDK 25 build
 * has a cache of its own, and a JVM older than 25 (21 to 23 refuse to start with an AOT option they do
 * not know) runs the executable jar without any AOT option, even where a cache lies.
 */
class AotCachesTests {

    private static final Jvm JDK_21 = new Jvm(Path.of("/opt/jdk-21/bin/java"), Runtime.Version.parse("21.0.5+11"));

    private static final Jvm JDK_25 = new Jvm(Path.of("/opt/jdk-25/bin/java"), Runtime.Version.parse("25.0.1+8"));

    private static final Jvm JDK_25_LATER =
            new Jvm(Path.of("/opt/jdk-25.0.3/bin/java"), Runtime.Version.parse("25.0.3+9"));

    @TempDir
    Path jars;

    @Test
    void eachJvmHasACacheOfItsOwnAndOneOlderThan25StartsTheJarWithoutAnyAotOption() throws IOException {
        Path jar = Files.write(jars.resolve("aot-caches-tests-exec.jar"), new byte[] {1});
        List<Path> caches = new ArrayList<>();
        try {
            for (Jvm jvm : List.of(JDK_21, JDK_25)) {
                Path cache = AotCaches.directory(jar, jvm).resolve("app.aot");
                Files.createDirectories(cache.getParent());
                Files.write(cache, new byte[] {1});
                caches.add(cache);
            }

            assertThat(AotCaches.directory(jar, JDK_25_LATER)).isNotEqualTo(AotCaches.directory(jar, JDK_25));
            assertThat(AotCaches.command(JDK_25, jar, List.of("-Xmx256m"), List.of("--server.port=1")))
                    .containsExactly(
                            "/opt/jdk-25/bin/java",
                            "-Xmx256m",
                            "-XX:AOTCache=" + caches.get(1),
                            "-jar",
                            caches.get(1).resolveSibling(jar.getFileName()).toString(),
                            "--server.port=1");
            assertThat(AotCaches.command(JDK_21, jar, List.of("-Xmx256m"), List.of("--server.port=1")))
                    .containsExactly("/opt/jdk-21/bin/java", "-Xmx256m", "-jar", jar.toString(), "--server.port=1");
        } finally {
            for (Path cache : caches) {
                delete(cache.getParent());
            }
        }
    }

    private static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
