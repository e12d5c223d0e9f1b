package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
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
            "cpus",
            "configs",
            "cap_drop",
            "security_opt",
            "shm_size");

    private static final Set<String> RESTART_POLICIES = Set.of("always", "unless-stopped", "on-failure");

    private static final Pattern PINNED_IMAGE =
            Pattern.compile("[a-z0-9./_-]+:(?!latest$)[A-Za-z0-9._-]*\\d[A-Za-z0-9._-]*");

    private static final Pattern DURATION = Pattern.compile("(\\d+(ms|s|m|h))+");

    private static final Pattern PORT_MAPPING = Pattern.compile("((\\d{1,3}\\.){3}\\d{1,3}:)?(\\d{1,5}):(\\d{1,5})");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");

    /** A setting with a placeholder whose default is a topic name or a topic's size: {@code ${NAME:default}}. */
    private static final Pattern TOPIC_SETTING = Pattern.compile("\\$\\{(BULK_[A-Z0-9_]*TOPIC[A-Z0-9_]*):([^}]+)}");

    private static final Pattern SECRET = Pattern.compile("PASSWORD|SECRET");

    private static final Pattern REQUIRED_FROM_ENV = Pattern.compile("\\$\\{[A-Z][A-Z0-9_]*:\\?[^}]+}");

    /**
     * Settings whose empty default means "none" (an SMTP server that takes mail without credentials, no
     * second internal token secret accepted outside a rotation of the secret; no secret of its own for
     * one of the gateway's links, which it then signs with its own) or "as the request says"
     * (the console cookie's Secure flag: on HTTPS requests) or the services' own default
     * (min.insync.replicas, from the replication factor).
     */
    private static final Set<String> EMPTY_MEANS_NONE = Set.of(
            "BULK_SMTP_USERNAME",
            "BULK_SMTP_PASSWORD",
            "BULK_INTERNAL_TOKEN_ACCEPTED_SECRET",
            // Empty: the link to that service has no secret of its own, and the gateway signs with its own.
            "BULK_WORKER_TOKEN_SECRET",
            "BULK_AUDIT_TOKEN_SECRET",
            "BULK_CONSOLE_SECURE_COOKIE",
            // Unset: one less than the replication factor, at least 1.
            "BULK_TOPIC_MIN_INSYNC_REPLICAS");

    /**
     * The internal services' secrets, which Compose sets from the .env variables of the gateway's link to
     * each: the secret its calls to that service are signed with, and the other of a rotation of it.
     */
    private static final Map<String, Map<String, String>> LINK_SECRETS = Map.of(
            "bulk-worker",
            Map.of(
                    "BULK_INTERNAL_TOKEN_SECRET", "BULK_WORKER_TOKEN_SECRET",
                    "BULK_INTERNAL_TOKEN_ACCEPTED_SECRET", "BULK_WORKER_TOKEN_ACCEPTED_SECRET"),
            "audit-consumer",
            Map.of(
                    "BULK_INTERNAL_TOKEN_SECRET", "BULK_AUDIT_TOKEN_SECRET",
                    "BULK_INTERNAL_TOKEN_ACCEPTED_SECRET", "BULK_AUDIT_TOKEN_ACCEPTED_SECRET"));

    /** Addresses that people's browsers open (links in e-mails), not calls between services. */
    private static final Set<String> LINKS_FOR_BROWSERS = Set.of("BULK_MAIL_ACCEPT_URL");

    private static final Pattern SERVICE_URL = Pattern.compile("^[a-z]+://([a-z0-9-]+):(\\d+)");

    private static final Pattern SERVER_PORT = Pattern.compile("(?m)^server:\\s*\\n\\s+port: \\$\\{PORT:(\\d+)}");

    /** Each service's database role (bulk-schema's db/service-roles.sql). */
    private static final Map<String, String> SERVICE_ROLES = Map.of(
            "api-gateway", "bulk_gateway",
            "bulk-worker", "bulk_worker",
            "audit-consumer", "bulk_audit");

    /** The .env variable of each service role's password. */
    private static final Map<String, String> ROLE_PASSWORDS = Map.of(
            "api-gateway", "BULK_GATEWAY_DB_PASSWORD",
            "bulk-worker", "BULK_WORKER_DB_PASSWORD",
            "audit-consumer", "BULK_AUDIT_DB_PASSWORD");

    private static final String ROLES_SCRIPT = "bulk-schema/src/main/resources/db/service-roles.sql";

    private static final String PASSWORDS_SCRIPT = "ops/postgres/service-role-passwords.sql";

    private static final String MONITORING_ROLE_SCRIPT = "ops/postgres/monitoring-role.sql";

    private static final Pattern FLYWAY_SCHEMAS =
            Pattern.compile("(?m)^  flyway:\\s*\\n(?:\\s+#.*\\n)*\\s+schemas: (\\w+)");

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
                        "jaeger",
                        "mailpit",
                        "postgres-exporter",
                        "prometheus",
                        "alertmanager",
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
    void servicesStartAfterHealthyInfrastructureAndProbeTheirReadinessOnTheManagementPort() {
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> service = map(services.get(module));
            Map<String, Object> dependsOn = map(service.get("depends_on"));
            for (String infrastructure : List.of("postgres", "kafka")) {
                softly.assertThat(map(dependsOn.get(infrastructure)).get("condition"))
                        .as("%s waits for a healthy %s", module, infrastructure)
                        .isEqualTo("service_healthy");
            }
            Object managementPort = environment(module).get("MANAGEMENT_SERVER_PORT");
            softly.assertThat(managementPort)
                    .as("%s serves the actuator on its own port", module)
                    .isNotNull()
                    .isNotEqualTo(serverPort(module));
            softly.assertThat(list(map(service.get("healthcheck")).get("test")))
                    .as("%s probes its readiness on its management port", module)
                    .containsExactly("CMD", "bash", "/opt/healthcheck/ready.sh", String.valueOf(managementPort));
        }
        Map<String, Object> gatewayDependsOn =
                map(map(services.get("api-gateway")).get("depends_on"));
        for (String internal : List.of("audit-consumer", "bulk-worker")) {
            softly.assertThat(map(gatewayDependsOn.get(internal)).get("condition"))
                    .as("the gateway calls the %s: it starts once that is healthy", internal)
                    .isEqualTo("service_healthy");
        }
        softly.assertAll();
    }

    /**
     * The service JVMs size their heap from their container's limit (a share of the host's without
     * one), and every container that holds state or work in hand gets the time to stop cleanly.
     */
    @Test
    void containersHaveLimitsRotatedLogsAndTimeToStopCleanly() {
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            softly.assertThat(map(services.get(module)).get("mem_limit"))
                    .as("memory limit of %s", module)
                    .isNotNull();
        }
        softly.assertThat(map(services.get("kafka")).get("mem_limit")).isNotNull();
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> service = map(services.get(module));
            softly.assertThat(list(service.get("cap_drop")))
                    .as("capabilities of %s", module)
                    .containsExactly("ALL");
            softly.assertThat(list(service.get("security_opt")))
                    .as("security options of %s", module)
                    .contains("no-new-privileges:true");
        }
        Map<String, Object> mailpit = map(services.get("mailpit"));
        softly.assertThat(String.valueOf(mailpit.get("user")))
                .as("Mailpit, whose image runs as root, runs as an unprivileged user")
                .doesNotStartWith("0")
                .doesNotStartWith("root")
                .isNotEqualTo("null");
        softly.assertThat(list(mailpit.get("cap_drop")))
                .as("capabilities of mailpit")
                .containsExactly("ALL");
        softly.assertThat(list(mailpit.get("security_opt")))
                .as("security options of mailpit")
                .contains("no-new-privileges:true");
        services.forEach((name, definition) -> softly.assertThat(
                        map(map(map(definition).get("logging")).get("options")))
                .as("%s's log is rotated", name)
                .containsKeys("max-size", "max-file"));
        List<String> stateful = new ArrayList<>(ProjectFiles.serviceModules());
        stateful.addAll(List.of("postgres", "kafka"));
        for (String name : stateful) {
            Object grace = map(services.get(name)).get("stop_grace_period");
            softly.assertThat(grace).as("stop_grace_period of %s", name).isNotNull();
            if (grace != null) {
                softly.assertThat(Duration.parse("PT" + grace.toString().toUpperCase(Locale.ROOT)))
                        .as(
                                "%s stops within Spring's 30 s graceful-shutdown phase, or PostgreSQL's or Kafka's"
                                        + " clean shutdown, before Docker kills it",
                                name)
                        .isGreaterThan(Duration.ofSeconds(30));
            }
        }
        softly.assertAll();
    }

    @Test
    void onlyTheGatewayAndGrafanaArePublished() {
        SoftAssertions softly = new SoftAssertions();
        services.forEach((name, definition) -> {
            List<Object> ports = list(map(definition).get("ports"));
            switch (name) {
                case "api-gateway" ->
                    softly.assertThat(ports)
                            .as("the gateway publishes its API port only")
                            .containsExactly(serverPort("api-gateway") + ":" + serverPort("api-gateway"));
                case "grafana" -> softly.assertThat(ports).containsExactly("3000:3000");
                case "mailpit" ->
                    softly.assertThat(ports)
                            .as("Mailpit's UI, which shows every invitation e-mail, on the host's loopback only")
                            .containsExactly("127.0.0.1:8025:8025");
                default ->
                    softly.assertThat(ports).as("%s publishes no port", name).isEmpty();
            }
        });
        softly.assertAll();
    }

    @Test
    void secretsComeFromDotEnvAndTheStackRefusesToStartWithoutThem() {
        SoftAssertions softly = new SoftAssertions();
        Map<String, Object> gateway = environment("api-gateway");
        services.forEach((name, definition) -> environment(name).forEach((variable, value) -> {
            String link = LINK_SECRETS.getOrDefault(name, Map.of()).get(variable);
            if (SECRET.matcher(variable).find() && EMPTY_MEANS_NONE.contains(variable)) {
                softly.assertThat(String.valueOf(value))
                        .as("%s of %s: from .env, where empty or unset means none (${NAME:-})", variable, name)
                        .isEqualTo("${" + (link == null ? variable : link) + ":-}");
            } else if (link != null) {
                // The secret the gateway signs its calls to this service with: the link's own, or else its own.
                softly.assertThat(String.valueOf(value))
                        .as("%s of %s: from .env, the link's (${%s:-...}), else as the gateway's", variable, name, link)
                        .isEqualTo("${" + link + ":-" + gateway.get(variable) + "}");
                softly.assertThat(String.valueOf(gateway.get(link)))
                        .as("%s of the gateway", link)
                        .isEqualTo("${" + link + ":-}");
            } else if (SECRET.matcher(variable).find()) {
                softly.assertThat(String.valueOf(value))
                        .as("%s of %s: from .env, required (${NAME:?message})", variable, name)
                        .matches(REQUIRED_FROM_ENV);
            }
        }));
        softly.assertThat(String.valueOf(gateway.get("BULK_INTERNAL_TOKEN_SECRET")))
                .matches(REQUIRED_FROM_ENV);
        Map<String, Object> grafana = environment("grafana");
        softly.assertThat(String.valueOf(grafana.get("GF_AUTH_ANONYMOUS_ENABLED")))
                .isEqualTo("false");
        softly.assertThat(grafana).doesNotContainKey("GF_AUTH_ANONYMOUS_ORG_ROLE");
        softly.assertThat(ProjectFiles.read(".gitignore"))
                .as(".env is never committed")
                .contains(".env");
        softly.assertThat(ProjectFiles.read("README.md"))
                .as("the README tells how to create .env")
                .contains(
                        "BULK_DB_ADMIN_PASSWORD=",
                        "BULK_GATEWAY_DB_PASSWORD=",
                        "BULK_WORKER_DB_PASSWORD=",
                        "BULK_AUDIT_DB_PASSWORD=",
                        "BULK_INTERNAL_TOKEN_SECRET=",
                        "BULK_WORKER_TOKEN_SECRET=",
                        "BULK_AUDIT_TOKEN_SECRET=",
                        "BULK_JWT_SECRET=",
                        "GRAFANA_ADMIN_PASSWORD=");
        softly.assertAll();
        for (String module : ProjectFiles.serviceModules()) {
            assertThat(ProjectFiles.read(module + "/src/main/resources/" + module + ".yml"))
                    .as("%s has no default database password", module)
                    .contains("password: ${BULK_DB_PASSWORD}");
        }
    }

    /**
     * Changing the superuser's or Grafana's admin password puts it on no command line, where anyone on
     * the machine could list it (the rule of the init scripts): psql's {@code \password} asks for it,
     * and {@code grafana cli} reads it from its standard input.
     */
    @Test
    void theReadmeChangesPasswordsWithoutPuttingThemOnACommandLine() {
        String readme = ProjectFiles.read("README.md");
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(readme)
                .as("no password written into an SQL statement")
                .doesNotContainIgnoringCase("PASSWORD '")
                .as("no password as an argument of grafana cli")
                .doesNotContainPattern("reset-admin-password\\s+['\"\\w]");
        softly.assertThat(readme)
                .contains("docker compose exec postgres psql -U bulk -d bulk -c '\\password bulk'")
                .contains("grafana cli admin reset-admin-password --password-from-stdin");
        softly.assertAll();
    }

    /**
     * No service logs in as the superuser: on a new volume the postgres container creates each
     * service's role (the script the local stack runs too), owner of the schema the service migrates,
     * and sets its password from the service's own .env secret; the README tells how to do the same on
     * an existing volume.
     */
    @Test
    void eachServiceLogsInAsTheRoleThatOwnsTheSchemaItMigrates() {
        List<String> postgresVolumes = list(map(services.get("postgres")).get("volumes")).stream()
                .map(String::valueOf)
                .toList();
        assertThat(postgresVolumes)
                .contains(
                        "./" + ROLES_SCRIPT + ":/docker-entrypoint-initdb.d/10-service-roles.sql:ro",
                        "./" + PASSWORDS_SCRIPT + ":/docker-entrypoint-initdb.d/20-service-role-passwords.sql:ro");
        String roles = ProjectFiles.read(ROLES_SCRIPT);
        String passwords = ProjectFiles.read(PASSWORDS_SCRIPT);
        String readme = ProjectFiles.read("README.md");
        Map<String, Object> postgres = environment("postgres");
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            String role = SERVICE_ROLES.get(module);
            String configuration = ProjectFiles.read(module + "/src/main/resources/" + module + ".yml");
            Matcher schemas = FLYWAY_SCHEMAS.matcher(configuration);
            softly.assertThat(schemas.find())
                    .as("%s.yml names the schema it migrates", module)
                    .isTrue();
            softly.assertThat(roles)
                    .as("the role of %s owns the schema it migrates", module)
                    .contains("CREATE SCHEMA IF NOT EXISTS " + schemas.group(1) + " AUTHORIZATION " + role + ";")
                    .contains("('" + schemas.group(1) + "', '" + role + "')");
            softly.assertThat(configuration)
                    .as("%s's default user is its role", module)
                    .contains("username: ${BULK_DB_USER:" + role + "}");
            String secret = ROLE_PASSWORDS.get(module);
            softly.assertThat(String.valueOf(postgres.get(secret)))
                    .as("the postgres container gets %s from .env", secret)
                    .startsWith("${" + secret + ":?");
            softly.assertThat(passwords)
                    .as("the init script sets %s's password from %s, read by psql itself", role, secret)
                    .containsPattern("\\\\getenv (\\w+) " + secret + "\\n")
                    .containsPattern("ALTER ROLE " + role + " PASSWORD :'\\w+';");
            softly.assertThat(readme).contains(secret + "=$(openssl rand");
        }
        softly.assertThat(roles)
                .as("the script holds no password")
                .doesNotContainIgnoringCase("PASSWORD '")
                .doesNotContain("\\getenv");
        softly.assertThat(passwords).doesNotContain("PASSWORD '");
        softly.assertThat(readme)
                .as("the README tells how to apply the scripts to an existing volume")
                .contains("docker compose exec postgres psql")
                .contains("/docker-entrypoint-initdb.d/10-service-roles.sql")
                .contains("/docker-entrypoint-initdb.d/20-service-role-passwords.sql");
        softly.assertAll();
    }

    /**
     * The PostgreSQL exporter logs in as its own role, which the postgres container makes on a new
     * volume after the services' roles, with the password of its own .env line; the README tells how
     * to make it on an existing volume. (PostgresExporterIntegrationTests runs the script and the
     * exporter.)
     */
    @Test
    void theExporterLogsInAsTheMonitoringRoleWithItsOwnPassword() {
        List<String> postgresVolumes = list(map(services.get("postgres")).get("volumes")).stream()
                .map(String::valueOf)
                .toList();
        assertThat(postgresVolumes)
                .contains("./" + MONITORING_ROLE_SCRIPT + ":/docker-entrypoint-initdb.d/30-monitoring-role.sql:ro");
        Map<String, Object> postgres = environment("postgres");
        Map<String, Object> exporter = environment("postgres-exporter");
        String script = ProjectFiles.read(MONITORING_ROLE_SCRIPT);
        String readme = ProjectFiles.read("README.md");
        SoftAssertions softly = new SoftAssertions();
        softly.assertThat(String.valueOf(postgres.get("BULK_MONITOR_DB_PASSWORD")))
                .as("the postgres container gets the role's password from .env")
                .startsWith("${BULK_MONITOR_DB_PASSWORD:?");
        softly.assertThat(exporter.get("DATA_SOURCE_PASS"))
                .as("the exporter's password is the role's")
                .isEqualTo(postgres.get("BULK_MONITOR_DB_PASSWORD"));
        softly.assertThat(exporter.get("DATA_SOURCE_USER")).isEqualTo("bulk_monitor");
        softly.assertThat(String.valueOf(exporter.get("DATA_SOURCE_URI")))
                .isEqualTo("postgres:5432/" + postgres.get("POSTGRES_DB") + "?sslmode=disable");
        softly.assertThat(script)
                .as("the script makes the role a member of pg_monitor, with the password psql reads itself")
                .containsPattern("\\\\getenv (\\w+) BULK_MONITOR_DB_PASSWORD\\n")
                .contains("GRANT pg_monitor TO bulk_monitor;")
                .containsPattern("ALTER ROLE bulk_monitor [^;]*NOSUPERUSER[^;]*PASSWORD :'\\w+';")
                .doesNotContain("PASSWORD '");
        softly.assertThat(readme)
                .contains("BULK_MONITOR_DB_PASSWORD=$(openssl rand")
                .contains("/docker-entrypoint-initdb.d/30-monitoring-role.sql");
        softly.assertThat(map(map(services.get("postgres-exporter")).get("depends_on")))
                .containsKey("postgres");
        softly.assertAll();
    }

    @Test
    void everyUrlToAnotherServiceNamesItsServiceAndPort() {
        SoftAssertions softly = new SoftAssertions();
        Map<String, Object> gateway = environment("api-gateway");
        softly.assertThat(gateway.get("BULK_AUDIT_URL"))
                .isEqualTo("http://audit-consumer:" + serverPort("audit-consumer"));
        softly.assertThat(gateway.get("BULK_WORKER_URL")).isEqualTo("http://bulk-worker:" + serverPort("bulk-worker"));
        services.forEach((name, definition) -> environment(name).forEach((variable, value) -> {
            Matcher url = SERVICE_URL.matcher(String.valueOf(value));
            if (url.find() && !LINKS_FOR_BROWSERS.contains(variable)) {
                String host = url.group(1);
                softly.assertThat(services)
                        .as("%s of %s names a service", variable, name)
                        .containsKey(host);
                if (ProjectFiles.serviceModules().contains(host)) {
                    softly.assertThat(url.group(2))
                            .as("%s of %s: the port %s listens on", variable, name, host)
                            .isIn(
                                    String.valueOf(serverPort(host)),
                                    String.valueOf(environment(host).get("MANAGEMENT_SERVER_PORT")));
                }
            }
        }));
        softly.assertAll();
    }

    /**
     * Both ways, per service: every environment variable Compose sets is read by that service (a
     * placeholder of its configuration file, a Spring Boot property, or the image's {@code JAVA_OPTS}),
     * and every variable the service reads without a default that is safe in a container (none, an
     * empty one, or one that points at {@code localhost}) is set by Compose.
     */
    @Test
    void composeSetsExactlyWhatEachServiceReads() {
        Map<String, Object> postgres = environment("postgres");
        Map<String, Object> kafka = environment("kafka");
        Set<String> springProperties = SpringProperties.environmentNames();
        SoftAssertions softly = new SoftAssertions();
        for (String module : ProjectFiles.serviceModules()) {
            Map<String, Object> environment = environment(module);
            Map<String, String> placeholders = placeholders(module);
            environment
                    .keySet()
                    .forEach(name -> softly.assertThat(placeholders.containsKey(name)
                                    || springProperties.contains(name)
                                    || name.equals("JAVA_OPTS"))
                            .as("%s reads %s, which Compose sets", module, name)
                            .isTrue());
            placeholders.forEach((name, fallback) -> {
                boolean unsafe = fallback == null
                        || (fallback.isEmpty() && !EMPTY_MEANS_NONE.contains(name))
                        || fallback.contains("localhost");
                if (unsafe) {
                    softly.assertThat(environment)
                            .as("%s reads %s (default: %s), which is not safe in a container", module, name, fallback)
                            .containsKey(name);
                }
            });
            softly.assertThat(String.valueOf(environment.get("BULK_DB_URL")))
                    .as("%s's database", module)
                    .isEqualTo("jdbc:postgresql://postgres:5432/" + postgres.get("POSTGRES_DB"));
            softly.assertThat(environment.get("BULK_DB_USER"))
                    .as("%s logs in as its own role, not as the superuser", module)
                    .isEqualTo(SERVICE_ROLES.get(module))
                    .isNotEqualTo(postgres.get("POSTGRES_USER"));
            softly.assertThat(environment.get("BULK_DB_PASSWORD"))
                    .as("%s's password is its role's, which the postgres container sets", module)
                    .isEqualTo(postgres.get(ROLE_PASSWORDS.get(module)))
                    .isNotEqualTo(postgres.get("POSTGRES_PASSWORD"));
            softly.assertThat(String.valueOf(kafka.get("KAFKA_ADVERTISED_LISTENERS")))
                    .as("%s's bootstrap servers are an advertised listener", module)
                    .contains("//" + environment.get("BULK_KAFKA_BOOTSTRAP_SERVERS"));
        }
        softly.assertThat(springProperties)
                .as("the Spring Boot properties are known")
                .contains("MANAGEMENT_SERVER_PORT", "LOGGING_STRUCTURED_FORMAT_CONSOLE", "SERVER_PORT");
        softly.assertAll();
    }

    /**
     * A setting that several services read has one name in all of them: the same value by the same
     * placeholder, so that changing it in one place cannot disconnect a producer from its consumer.
     */
    @Test
    void sharedSettingsHaveOneName() {
        Map<String, Map<String, String>> readBy = new java.util.TreeMap<>();
        for (String module : ProjectFiles.serviceModules()) {
            String configuration = ProjectFiles.read(module + "/src/main/resources/" + module + ".yml");
            Matcher topic = TOPIC_SETTING.matcher(configuration);
            while (topic.find()) {
                readBy.computeIfAbsent(topic.group(2), value -> new java.util.TreeMap<>())
                        .put(module, topic.group(1));
            }
        }
        SoftAssertions softly = new SoftAssertions();
        readBy.forEach((value, modules) -> softly.assertThat(Set.copyOf(modules.values()))
                .as("the setting whose default is %s, read by %s", value, modules.keySet())
                .hasSize(1));
        softly.assertAll();
        assertThat(readBy.get("portfolio.bulk-tasks")).containsOnlyKeys("api-gateway", "bulk-worker");
        assertThat(readBy.get("portfolio.account-activity")).containsOnlyKeys("bulk-worker", "audit-consumer");
    }

    /** The placeholders {@code ${NAME}} and {@code ${NAME:default}} of a service's configuration: name to default (null: none). */
    private static Map<String, String> placeholders(String module) {
        Matcher matcher = PLACEHOLDER.matcher(ProjectFiles.read(module + "/src/main/resources/" + module + ".yml"));
        Map<String, String> placeholders = new java.util.LinkedHashMap<>();
        while (matcher.find()) {
            placeholders.merge(matcher.group(1), matcher.group(2) == null ? "" : matcher.group(2), (a, b) -> a);
            if (matcher.group(2) == null) {
                placeholders.put(matcher.group(1), null);
            }
        }
        // Only the default profile: a 'local' profile's development defaults do not count.
        return placeholders;
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
                .containsEntry("KAFKA_NUM_PARTITIONS", 12)
                // Only the services create topics, with the settings they declare.
                .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
        assertThat(list(map(services.get("kafka")).get("volumes")))
                .contains("kafka-data:" + kafka.get("KAFKA_LOG_DIRS"));
    }

    /**
     * The broker keeps records as the local stack's does (see {@code PersistentKafkaRetentionIntegrationTests}):
     * none deleted for its age, so a stack stopped for more than Kafka's default 7 days keeps the
     * activity records no consumer has read yet; a partition's size bounds the volume instead. (The task
     * topic has a limit of its own, set by the gateway: its tasks are in PostgreSQL.)
     */
    @Test
    void kafkaKeepsUnreadRecordsWhateverTheirAgeAsTheLocalStacksBrokerDoes() {
        Map<String, Object> kafka = environment("kafka");
        Properties local = PersistentKafka.properties(Path.of("kafka"), 0, 0);

        assertThat(local.getProperty("log.retention.ms")).isEqualTo("-1");
        for (String setting : List.of("log.retention.ms", "log.retention.bytes", "log.segment.bytes")) {
            String variable = "KAFKA_" + setting.replace('.', '_').toUpperCase(Locale.ROOT);
            assertThat(kafka).as(variable).containsKey(variable);
            assertThat(String.valueOf(kafka.get(variable))).as(variable).isEqualTo(local.getProperty(setting));
        }
        // log.retention.ms wins over these, but one left beside it would read as the limit.
        assertThat(kafka).doesNotContainKeys("KAFKA_LOG_RETENTION_HOURS", "KAFKA_LOG_RETENTION_MINUTES");
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
}
