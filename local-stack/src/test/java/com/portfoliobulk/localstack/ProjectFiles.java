package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** Files of the repository (the Compose file, ops/, the README, the poms), for tests that check them. */
final class ProjectFiles {

    private static final Pattern README_METRIC = Pattern.compile("^\\| `(bulk_[a-z_]+)` \\|", Pattern.MULTILINE);

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    /** A metric name in PromQL: the product's own and those of the libraries the services publish. */
    static final Pattern METRIC =
            Pattern.compile("\\b(bulk_[a-z_]+|kafka_[a-z_]+|resilience4j_[a-z_]+|http_[a-z_]+|hikaricp_[a-z_]+)");

    /** A metric name in PromQL of PostgreSQL's exporter (postgres-exporter in docker-compose.yml). */
    static final Pattern POSTGRES_METRIC = Pattern.compile("\\b(pg_[a-z_]+)");

    private ProjectFiles() {}

    /** The repository's root: the nearest directory up from here with the Maven wrapper and the Compose file. */
    static Path root() {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null) {
            if (Files.isRegularFile(directory.resolve("mvnw"))
                    && Files.isRegularFile(directory.resolve("pom.xml"))
                    && Files.isDirectory(directory.resolve("local-stack"))) {
                return directory;
            }
            directory = directory.getParent();
        }
        throw new IllegalStateException(
                "Not inside the repository: " + Path.of("").toAbsolutePath());
    }

    static Path file(String relativePath) {
        Path file = root().resolve(relativePath);
        assertThat(file).as(relativePath).isRegularFile();
        return file;
    }

    static String read(String relativePath) {
        try {
            return Files.readString(file(relativePath));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The PromQL expression of every alert in ops/prometheus/alerts.yml. */
    static List<String> alertExpressions() {
        List<String> expressions = new ArrayList<>();
        for (Object group : list(yaml("ops/prometheus/alerts.yml").get("groups"))) {
            list(map(group).get("rules"))
                    .forEach(rule -> expressions.add(String.valueOf(map(rule).get("expr"))));
        }
        return expressions;
    }

    /** The names of PostgreSQL's exporter's metrics that the alerts of ops/prometheus/alerts.yml read. */
    static Set<String> postgresMetricsOfTheAlerts() {
        Set<String> names = new LinkedHashSet<>();
        for (String expression : alertExpressions()) {
            Matcher matcher = POSTGRES_METRIC.matcher(expression);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }

    static Map<String, Object> yaml(String relativePath) {
        try (Reader reader = Files.newBufferedReader(file(relativePath))) {
            Map<String, Object> document = new Yaml().load(reader);
            assertThat(document).as(relativePath).isNotNull();
            return document;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The product's own metric names from the README's "Metrics" table, e.g. {@code bulk_task_apply_seconds}. */
    static Set<String> documentedMetrics() {
        String readme = read("README.md");
        int metrics = readme.indexOf("## Metrics");
        assertThat(metrics).as("README.md has a Metrics section").isNotNegative();
        Matcher matcher = README_METRIC.matcher(readme.substring(metrics));
        Set<String> names = new LinkedHashSet<>();
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** The modules of the root pom, in reactor order. */
    static List<String> modules() {
        Matcher matcher = MODULE.matcher(read("pom.xml"));
        List<String> modules = new ArrayList<>();
        while (matcher.find()) {
            modules.add(matcher.group(1));
        }
        return modules;
    }

    /** The modules that build a runnable service: those whose Spring Boot plugin makes an {@code exec} jar. */
    static List<String> serviceModules() {
        return modules().stream()
                .filter(module -> {
                    String pom = read(module + "/pom.xml");
                    return pom.contains("<artifactId>spring-boot-maven-plugin</artifactId>")
                            && pom.contains("<classifier>exec</classifier>")
                            && pom.contains("<artifactId>" + module + "</artifactId>");
                })
                .toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : new LinkedHashMap<>();
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value instanceof List<?> list ? (List<Object>) list : List.of();
    }
}
