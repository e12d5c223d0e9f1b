package com.portfoliobulk.localstack;

import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.worker.WorkerApplication;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The three services running in this JVM, each in its own application context with its own
 * configuration file, web port, connection pool and Kafka clients, as if they were three processes.
 */
public final class ServiceStack implements RunningServices {

    /**
     * Security and the console's sessions are the gateway's concern; the worker and audit-consumer see
     * their libraries on the shared classpath and must not lock their own actuator endpoints, or look
     * for a session table, because of them.
     */
    private static final String GATEWAY_ONLY_AUTO_CONFIGURATION = String.join(
            ",",
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
            "org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration",
            "org.springframework.boot.security.oauth2.server.resource.autoconfigure.web.OAuth2ResourceServerWebSecurityAutoConfiguration",
            "org.springframework.boot.session.autoconfigure.SessionAutoConfiguration",
            "org.springframework.boot.session.autoconfigure.SessionsEndpointAutoConfiguration",
            "org.springframework.boot.session.jdbc.autoconfigure.JdbcSessionAutoConfiguration");

    private final ConfigurableApplicationContext gateway;

    private final ConfigurableApplicationContext worker;

    private final ConfigurableApplicationContext audit;

    private ServiceStack(
            ConfigurableApplicationContext gateway,
            ConfigurableApplicationContext worker,
            ConfigurableApplicationContext audit) {
        this.gateway = gateway;
        this.worker = worker;
        this.audit = audit;
    }

    /**
     * Starts the audit-consumer, the bulk-worker and then the api-gateway (which proxies to the
     * audit-consumer) against the given infrastructure, each logged in to the database as its own role
     * ({@link #withServiceRoles}).
     *
     * @param settings where the infrastructure is, the ports and any extra properties per service
     */
    public static ServiceStack start(Settings settings) {
        settings = withServiceRoles(withInternalSecret(settings));
        List<ConfigurableApplicationContext> started = new ArrayList<>();
        try {
            Settings given = settings;
            // Each started under its name: the local stack's one log names each line's service.
            ConfigurableApplicationContext audit = ServiceLogName.starting(
                    "audit-consumer",
                    () -> AuditApplication.application()
                            .run(arguments(given, given.auditPort(), given.auditProperties(), true)));
            started.add(audit);
            ConfigurableApplicationContext worker = ServiceLogName.starting(
                    "bulk-worker",
                    () -> WorkerApplication.application()
                            .run(arguments(given, given.workerPort(), given.workerProperties(), true)));
            started.add(worker);
            ConfigurableApplicationContext gateway = ServiceLogName.starting(
                    "api-gateway",
                    () -> GatewayApplication.application()
                            .run(arguments(
                                    given,
                                    given.gatewayPort(),
                                    gatewayProperties(
                                            given,
                                            "http://127.0.0.1:" + port(audit),
                                            "http://127.0.0.1:" + port(worker)),
                                    false)));
            return new ServiceStack(gateway, worker, audit);
        } catch (RuntimeException ex) {
            started.forEach(ConfigurableApplicationContext::close);
            throw ex;
        }
    }

    /**
     * The secrets of the services' calls to each other are of this run only, unless given: one for the
     * gateway's calls to the worker, one for those to the audit-consumer and the gateway's own, as a
     * deployment that gives each link its own has them, so that neither internal service holds another's
     * or the gateway's. A service given its secret keeps it, and the gateway signs its calls to it with that.
     */
    static Settings withInternalSecret(Settings settings) {
        Object workerSecret = settings.workerProperties().getOrDefault(INTERNAL_SECRET, newSecret());
        Object auditSecret = settings.auditProperties().getOrDefault(INTERNAL_SECRET, newSecret());
        return settings.withDefaults(
                Map.of(INTERNAL_SECRET, newSecret(), WORKER_LINK_SECRET, workerSecret, AUDIT_LINK_SECRET, auditSecret),
                Map.of(INTERNAL_SECRET, workerSecret),
                Map.of(INTERNAL_SECRET, auditSecret));
    }

    /**
     * Each service logs in as its own role ({@link ServiceRoles}), which the database gets first; the
     * settings' database is its superuser. A service's own datasource properties still win.
     */
    static Settings withServiceRoles(Settings settings) {
        ServiceRoles.Logins logins = ServiceRoles.apply(settings.database());
        return settings.withDefaults(
                ServiceRoles.Logins.properties(logins.gateway()),
                ServiceRoles.Logins.properties(logins.worker()),
                ServiceRoles.Logins.properties(logins.audit()));
    }

    /** The gateway's own properties, with where the audit-consumer and the worker answer. */
    static Map<String, Object> gatewayProperties(Settings settings, String auditUrl, String workerUrl) {
        Map<String, Object> gatewayProperties = new HashMap<>(settings.gatewayProperties());
        gatewayProperties.putIfAbsent("bulk.gateway.audit-base-url", auditUrl);
        gatewayProperties.putIfAbsent("bulk.gateway.worker-base-url", workerUrl);
        // Local runs accept HS256 tokens signed with BULK_JWT_SECRET or its development default.
        gatewayProperties.putIfAbsent("spring.profiles.active", "local");
        // That profile's demo sign-in (the Owner, without a password) and published development secret
        // are for this machine only: the gateway answers on the loopback interface unless
        // BULK_LOCAL_GATEWAY_ADDRESS names another (0.0.0.0 for every interface).
        gatewayProperties.putIfAbsent("server.address", gatewayAddress(System.getenv("BULK_LOCAL_GATEWAY_ADDRESS")));
        // The actuator on the gateway's HTTP port, as on the worker's and the audit-consumer's: one URL
        // per service for health and metrics here (the gateway's own default is a port of its own).
        gatewayProperties.putIfAbsent("management.server.port", "");
        return gatewayProperties;
    }

    /** The address the local gateway answers on: {@code configured}, or the loopback interface. */
    static String gatewayAddress(String configured) {
        return configured == null || configured.isBlank() ? "127.0.0.1" : configured.strip();
    }

    /** A service's internal token secret: the gateway's own, or the one a service verifies the gateway's calls with. */
    static final String INTERNAL_SECRET = "bulk.internal-auth.token-secret";

    /** The secret of the gateway's calls to the bulk-worker. */
    static final String WORKER_LINK_SECRET = "bulk.internal-auth.worker-token-secret";

    /** The secret of the gateway's calls to the audit-consumer. */
    static final String AUDIT_LINK_SECRET = "bulk.internal-auth.audit-token-secret";

    private static String newSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * A service's command-line arguments: where the infrastructure is, its port and its extra
     * properties. As command-line arguments, they rank above the service's own configuration file.
     *
     * @param withoutSecurity whether the service is an internal one, without the gateway's security
     */
    static String[] arguments(
            Settings settings, int port, Map<String, Object> extraProperties, boolean withoutSecurity) {
        Map<String, Object> properties = new HashMap<>();
        // The user and password below, or a service's own (its role's), not those of the URL.
        properties.put(
                "spring.datasource.url",
                ServiceRoles.withoutCredentials(settings.database().jdbcUrl()));
        properties.put("spring.datasource.username", settings.database().username());
        properties.put("spring.datasource.password", settings.database().password());
        properties.put("spring.kafka.bootstrap-servers", settings.kafkaBootstrapServers());
        properties.put("server.port", port);
        properties.put("spring.main.banner-mode", "off");
        // Whoever starts the stack closes it, in order (see close()), not the JVM's shutdown hook.
        properties.put("spring.main.register-shutdown-hook", false);
        if (withoutSecurity) {
            // The internal services answer on the loopback interface only: just the gateway is for others.
            properties.put("server.address", "127.0.0.1");
            properties.put("spring.autoconfigure.exclude", GATEWAY_ONLY_AUTO_CONFIGURATION);
            properties.put("springdoc.api-docs.enabled", false);
            properties.put("springdoc.swagger-ui.enabled", false);
        }
        properties.putAll(extraProperties);
        return properties.entrySet().stream()
                .map(property -> "--" + property.getKey() + "=" + property.getValue())
                .toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Override
    public String gatewayUrl() {
        return "http://localhost:" + port(gateway);
    }

    @Override
    public String workerUrl() {
        return "http://127.0.0.1:" + port(worker);
    }

    @Override
    public String auditUrl() {
        return "http://127.0.0.1:" + port(audit);
    }

    /** Empty: the gateway in this JVM relays the tasks itself. */
    @Override
    public Optional<String> relayUrl() {
        return Optional.empty();
    }

    @Override
    public Optional<String> tokenSecret() {
        return Optional.ofNullable(gateway.getEnvironment().getProperty(TOKEN_SECRET_PROPERTY))
                .filter(secret -> !secret.isBlank());
    }

    public ConfigurableApplicationContext gateway() {
        return gateway;
    }

    public ConfigurableApplicationContext worker() {
        return worker;
    }

    public ConfigurableApplicationContext audit() {
        return audit;
    }

    /** As {@link RunningServices#close()}: each service even if stopping an earlier one failed. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (ConfigurableApplicationContext context : List.of(gateway, worker, audit)) {
            try {
                context.close();
            } catch (RuntimeException ex) {
                if (failure == null) {
                    failure = ex;
                } else {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Where the stack runs.
     *
     * @param database the PostgreSQL database, as a superuser: the stack gives each service a role of
     *     its own there ({@link ServiceRoles})
     * @param kafkaBootstrapServers the Kafka bootstrap servers
     * @param gatewayPort the gateway's port, 0 for any free port
     * @param workerPort the worker's port, 0 for any free port
     * @param auditPort the audit-consumer's port, 0 for any free port
     * @param gatewayProperties extra gateway properties
     * @param workerProperties extra worker properties
     * @param auditProperties extra audit-consumer properties
     */
    public record Settings(
            DatabaseEndpoint database,
            String kafkaBootstrapServers,
            int gatewayPort,
            int workerPort,
            int auditPort,
            Map<String, Object> gatewayProperties,
            Map<String, Object> workerProperties,
            Map<String, Object> auditProperties) {

        public Settings {
            gatewayProperties = Map.copyOf(gatewayProperties);
            workerProperties = Map.copyOf(workerProperties);
            auditProperties = Map.copyOf(auditProperties);
        }

        /** Any free ports and no extra properties. */
        public static Settings onFreePorts(DatabaseEndpoint database, String kafkaBootstrapServers) {
            return onPorts(database, kafkaBootstrapServers, 0, 0, 0);
        }

        /** The given ports (0 for any free port) and no extra properties. */
        public static Settings onPorts(
                DatabaseEndpoint database,
                String kafkaBootstrapServers,
                int gatewayPort,
                int workerPort,
                int auditPort) {
            return new Settings(
                    database, kafkaBootstrapServers, gatewayPort, workerPort, auditPort, Map.of(), Map.of(), Map.of());
        }

        /** The same settings with more bulk-worker properties (these win). */
        public Settings withWorkerProperties(Map<String, Object> properties) {
            return new Settings(
                    database,
                    kafkaBootstrapServers,
                    gatewayPort,
                    workerPort,
                    auditPort,
                    gatewayProperties,
                    merged(workerProperties, properties),
                    auditProperties);
        }

        /** The same settings with more properties for every service (a service's own ones win). */
        public Settings withPropertiesForAll(Map<String, Object> properties) {
            return withDefaults(properties, properties, properties);
        }

        /** The same settings with more properties for each service (the ones it has already win). */
        Settings withDefaults(Map<String, Object> gateway, Map<String, Object> worker, Map<String, Object> audit) {
            return new Settings(
                    database,
                    kafkaBootstrapServers,
                    gatewayPort,
                    workerPort,
                    auditPort,
                    merged(gateway, gatewayProperties),
                    merged(worker, workerProperties),
                    merged(audit, auditProperties));
        }

        static Map<String, Object> merged(Map<String, Object> common, Map<String, Object> own) {
            Map<String, Object> merged = new HashMap<>(common);
            merged.putAll(own);
            return merged;
        }
    }
}
