package com.portfoliobulk.localstack;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The services' own database roles, as in production: bulk-schema's {@code db/service-roles.sql}
 * (the script Docker Compose runs) applied to a database as its superuser before the services start,
 * and each service logging in as its own role, which owns the schema the service migrates and may use
 * only what the service needs of the others. The script is idempotent, so it also hands the schemas of
 * a database the superuser migrated (a data directory from before the roles) to their roles.
 *
 * <p>Roles belong to the server, not to one database: their passwords are made once per JVM, so that
 * every database of a server this JVM prepares (the tests' own databases) accepts the same ones.
 */
final class ServiceRoles {

    /** The script on the class path (bulk-schema). */
    static final String SCRIPT = "db/service-roles.sql";

    static final String GATEWAY = "bulk_gateway";

    static final String WORKER = "bulk_worker";

    static final String AUDIT = "bulk_audit";

    private static final Map<String, String> PASSWORDS =
            Map.of(GATEWAY, newPassword(), WORKER, newPassword(), AUDIT, newPassword());

    private ServiceRoles() {}

    /**
     * Applies the script to the database and sets the roles' passwords.
     *
     * @param administrator the database, as a superuser
     * @return how each service logs in to the same database
     */
    static synchronized Logins apply(DatabaseEndpoint administrator) {
        String script = script();
        try (Connection connection = DriverManager.getConnection(
                        administrator.jdbcUrl(), administrator.username(), administrator.password());
                Statement statement = connection.createStatement()) {
            statement.execute(script);
            for (Map.Entry<String, String> role : PASSWORDS.entrySet()) {
                // Hex digits only: nothing to quote.
                statement.execute("ALTER ROLE " + role.getKey() + " PASSWORD '" + role.getValue() + "'");
            }
        } catch (SQLException ex) {
            throw new IllegalStateException(
                    "Could not apply the services' database roles (" + SCRIPT + "): " + ex.getMessage(), ex);
        }
        return logins(administrator);
    }

    /**
     * How each service logs in to the database, once {@link #apply} has set the roles' passwords on its
     * server in this JVM: also the logins of the local stack's own statements on a service's tables,
     * which run as the role that owns them, never as the superuser (what that role put there, a trigger
     * or a view in a table's place, would run with the superuser's rights).
     *
     * @param administrator the database, as a superuser
     */
    static Logins logins(DatabaseEndpoint administrator) {
        return new Logins(login(administrator, GATEWAY), login(administrator, WORKER), login(administrator, AUDIT));
    }

    private static DatabaseEndpoint login(DatabaseEndpoint administrator, String role) {
        return new DatabaseEndpoint(withoutCredentials(administrator.jdbcUrl()), role, PASSWORDS.get(role));
    }

    /**
     * The URL without a {@code user} or {@code password} parameter (the embedded server's URL names its
     * superuser), which would win over the role's user name and password.
     */
    static String withoutCredentials(String jdbcUrl) {
        int query = jdbcUrl.indexOf('?');
        if (query < 0) {
            return jdbcUrl;
        }
        String parameters = Arrays.stream(jdbcUrl.substring(query + 1).split("&"))
                .filter(parameter -> !parameter.matches("(?i)(user|password)(=.*)?"))
                .collect(Collectors.joining("&"));
        return jdbcUrl.substring(0, query) + (parameters.isEmpty() ? "" : "?" + parameters);
    }

    static String script() {
        return ClassPathScripts.read(SCRIPT);
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * How each service logs in.
     *
     * @param gateway the api-gateway's role
     * @param worker the bulk-worker's role
     * @param audit the audit-consumer's role
     */
    record Logins(DatabaseEndpoint gateway, DatabaseEndpoint worker, DatabaseEndpoint audit) {

        /** A service's datasource user and password, as Spring properties. */
        static Map<String, Object> properties(DatabaseEndpoint login) {
            return Map.of(
                    "spring.datasource.username", login.username(),
                    "spring.datasource.password", login.password());
        }
    }
}
