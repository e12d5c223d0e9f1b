package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.Uuid;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Validates docker-compose.yml without a Docker engine: its structure against the Compose
 * specification's keys, pinned images, health checks, restart policies, start order, and that the
 * services' settings match what the services actually read (their configuration files).
 */
class DockerComposeTests {

    private static final Set<String> TOP_LEVEL_KEYS =
            Set.of("name", "services", "volumes", "networks", "configs", "secrets", "include");

    /** The service keys of the Compose specification this file may use. */
    private static final Set<String> SERVICE_KEYS = Set.of(
            "image",
            "build",
            "command",
            "entrypoint",
            "environment",
            "env_file",
            "ports",
            "expose",
            "volumes",
            "depends_on",
            "healthcheck",
            "restart",
            "networks",
            "container_name",
            "hostname",
            "user",
            "working_dir",
            "labels",
            "logging",
            "deploy",
            "stop_grace_period",
            "ulimits",
            "mem_limit",
            "cpus");

    private static final Set<String> RESTART_POLICIES = Set.of("always", "unless-stopped", "on-failure");

    private static final Set<String> REQUIRED_SERVICE_ENVIRONMENT =
            Set.of("BULK_DB_URL", "BULK_DB_USER", "BULK_DB_PASSWORD", "BULK_KAFKA_BOOTSTRAP_SERVERS");

    private static final Pattern PINNED_IMAGE =
            Pattern.compile("[a-z0-9./_-]+:(?!latest$)[A-Za-z0-9._-]*\\d[A-Za-z0-9._-]*");

    private static final Pattern DURATION = Pattern.compile("(\\d+(ms|s|m|h))+");

    private static final Pattern PORT_MAPPING = Pattern.compile("(\\d{1,5}):(\\d{1,5})");

    private static final Pattern SERVER_PORT = Pattern.compile("(?m)^server:\\s*\\n\\s+port: \\$\\{PORT:(\\d+)}");

    private final Map<String, Object> compose = ProjectFiles.yaml("docker-compose.yml");

    private final Map<String, Object> services = map(compose.get("services"));

    @Test
    void usesOnlyComposeSpecificationKeys() {
        SoftAssertions softly = new SoftAssertions();
        compose.keySet().stream()
                .filter(key -> !key.startsWith("x-"))
                .forEach(key ->
                        softly.assertThat(TOP_LEVEL_KEYS).as("top-level key").contains(key));
        services.forEach((name, definition) -> softly.assertThat(SERVICE_KEYS)
                .as("keys of service %s", name)
                .containsAll(map(definition).keySet()));
        softly.assertAll();
        assertThat(services)
                .containsOnlyKeys(
                        "postgres",
                        "kafka",
                        "api-gateway",
                        "bulk-worker",
                        "audit-consumer",
                        "mailpit",
                        "prometheus",
                        "grafana");
    }

    @Test
    void pinsEveryImageAndBuildsTheServicesFromTheDockerfile() {
        SoftAssertions softly = new SoftAssertions();
        services.forEach((name, definition) -> {
            String image = String.valueOf(map(definition).get("image"));
            softly.assertThat(image).as("image of %s", name).matches(PINNED_IMAGE);
        });
        softly.assertThat(ProjectFiles.read("docker-compose.yml")).doesNotContain(":latest");
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> build = map(map(services.get(module)).get("build"));
            softly.assertThat(build.get("context"))
                    .as("build context of %s", module)
                    .isEqualTo(".");
            softly.assertThat(map(build.get("args")).get("MODULE"))
                    .as("MODULE of %s", module)
                    .isEqualTo(module);
        }
        softly.assertAll();
        assertThat(ProjectFiles.root().resolve("Dockerfile")).isRegularFile();
    }

    @Test
    void everyServiceHasAHealthCheckAndARestartPolicy() {
        SoftAssertions softly = new SoftAssertions();
        services.forEach((name, definition) -> {
            Map<String, Object> service = map(definition);
            Map<String, Object> healthcheck = map(service.get("healthcheck"));
            List<Object> test = list(healthcheck.get("test"));
            softly.assertThat(test).as("healthcheck test of %s", name).hasSizeGreaterThan(1);
            if (!test.isEmpty()) {
                softly.assertThat(test.getFirst()).as("healthcheck of %s", name).isIn("CMD", "CMD-SHELL");
            }
            for (String key : List.of("interval", "timeout", "start_period")) {
                softly.assertThat(String.valueOf(healthcheck.get(key)))
                        .as("healthcheck %s of %s", key, name)
                        .matches(DURATION);
            }
            softly.assertThat(healthcheck.get("retries"))
                    .as("retries of %s", name)
                    .isInstanceOf(Integer.class);
            softly.assertThat(service.get("restart")).as("restart of %s", name).isIn(RESTART_POLICIES.toArray());
        });
        softly.assertAll();
    }

    @Test
    void servicesStartAfterHealthyInfrastructureAndProbeTheirOwnReadiness() {
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> service = map(services.get(module));
            Map<String, Object> dependsOn = map(service.get("depends_on"));
            for (String infrastructure : List.of("postgres", "kafka")) {
                softly.assertThat(map(dependsOn.get(infrastructure)).get("condition"))
                        .as("%s waits for a healthy %s", module, infrastructure)
                        .isEqualTo("service_healthy");
            }
            int port = serverPort(module);
            softly.assertThat(list(map(service.get("healthcheck")).get("test")))
                    .as("%s probes its readiness on its own port", module)
                    .contains("http://localhost:" + port + "/actuator/health/readiness");
            softly.assertThat(list(service.get("ports")))
                    .as("ports of %s", module)
                    .contains(port + ":" + port);
        }
        softly.assertThat(map(map(map(services.get("api-gateway")).get("depends_on"))
                                .get("audit-consumer"))
                        .get("condition"))
                .as("the gateway reads the activity log from the audit-consumer")
                .isEqualTo("service_healthy");
        softly.assertAll();
    }

    @Test
    void servicesGetTheSettingsTheirConfigurationReads() {
        Map<String, Object> postgres = environment("postgres");
        Map<String, Object> kafka = environment("kafka");
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> environment = environment(module);
            String configuration = ProjectFiles.read(module + "/src/main/resources/" + module + ".yml");
            softly.assertThat(environment)
                    .as("environment of %s", module)
                    .containsKeys(REQUIRED_SERVICE_ENVIRONMENT.toArray(String[]::new));
            environment.keySet().stream()
                    .filter(name -> name.startsWith("BULK_"))
                    .forEach(name -> softly.assertThat(configuration.contains("${" + name + ":")
                                    || name.startsWith(propertyPrefix(module)))
                            .as(
                                    "%s reads %s (a placeholder in %s.yml or a property under its prefix)",
                                    module, name, module)
                            .isTrue());
            softly.assertThat(String.valueOf(environment.get("BULK_DB_URL")))
                    .as("%s's database", module)
                    .isEqualTo("jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB"));
            softly.assertThat(environment.get("BULK_DB_USER")).isEqualTo(postgres.get("POSTGRES_USER"));
            softly.assertThat(environment.get("BULK_DB_PASSWORD")).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
            softly.assertThat(String.valueOf(kafka.get("KAFKA_ADVERTISED_LISTENERS")))
                    .as("%s's bootstrap servers are an advertised listener", module)
                    .contains("//" + environment.get("BULK_KAFKA_BOOTSTRAP_SERVERS"));
        }
        softly.assertThat(environment("api-gateway")).containsKey("BULK_JWT_SECRET");
        softly.assertThat(String.valueOf(environment("api-gateway").get("BULK_GATEWAY_AUDITBASEURL")))
                .isEqualTo("http://audit-consumer:" + serverPort("audit-consumer"));
        softly.assertAll();
    }

    @Test
    void kafkaIsASingleKraftNode() {
        Map<String, Object> kafka = environment("kafka");

        assertThat(kafka.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
        assertThat(String.valueOf(kafka.get("KAFKA_CONTROLLER_QUORUM_VOTERS")))
                .startsWith(kafka.get("KAFKA_NODE_ID") + "@kafka:");
        assertThat(Uuid.fromString(String.valueOf(kafka.get("CLUSTER_ID")))).isNotNull();
        assertThat(kafka)
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", 1)
                .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", 1)
                .containsEntry("KAFKA_NUM_PARTITIONS", 12);
        assertThat(list(map(services.get("kafka")).get("volumes")))
                .contains("kafka-data:" + kafka.get("KAFKA_LOG_DIRS"));
    }

    @Test
    void mountsExistingFilesAndDeclaredVolumes() {
        Set<String> declared = map(compose.get("volumes")).keySet();
        SoftAssertions softly = new SoftAssertions();
        services.forEach((name, definition) -> {
            for (Object volume : list(map(definition).get("volumes"))) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith("./")) {
                    softly.assertThat(Files.exists(ProjectFiles.root().resolve(source)))
                            .as("%s mounts %s", name, source)
                            .isTrue();
                } else {
                    softly.assertThat(declared)
                            .as("%s uses volume %s", name, source)
                            .contains(source);
                }
            }
            for (Object mapping : list(map(definition).get("ports"))) {
                softly.assertThat(String.valueOf(mapping))
                        .as("port of %s", name)
                        .matches(PORT_MAPPING);
            }
        });
        softly.assertAll();
        assertThat(String.join(
                        " ",
                        list(map(services.get("prometheus")).get("volumes")).stream()
                                .map(String::valueOf)
                                .toList()))
                .contains("./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml")
                .contains("./ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml");
    }

    private Map<String, Object> environment(String service) {
        return map(map(services.get(service)).get("environment"));
    }

    /** The service's port: the default of {@code server.port} in its configuration file. */
    static int serverPort(String module) {
        Matcher matcher = SERVER_PORT.matcher(ProjectFiles.read(module + "/src/main/resources/" + module + ".yml"));
        assertThat(matcher.find())
                .as("%s.yml sets server.port: ${PORT:...}", module)
                .isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    /** Environment variables under the service's own property prefix bind by relaxed binding. */
    private static String propertyPrefix(String module) {
        return switch (module) {
            case "api-gateway" -> "BULK_GATEWAY_";
            case "bulk-worker" -> "BULK_WORKER_";
            case "audit-consumer" -> "BULK_AUDIT_";
            default -> throw new IllegalArgumentException(module);
        };
    }
}
