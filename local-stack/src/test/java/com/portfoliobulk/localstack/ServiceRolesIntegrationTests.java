package com.portfoliobulk.localstack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.apply.TaskListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import tools.jackson.databind.JsonNode;

/**
 * The services' database roles (bulk-schema's {@code db/service-roles.sql}, applied by {@link
 * ServiceRoles}): each is no superuser, owns its service's schema, cannot create anything in another's
 * or run a program through {@code COPY}, and can do what its service does; a database the superuser
 * migrated (a data directory from before the roles) is handed over and runs jobs.
 */
class ServiceRolesIntegrationTests {

    /** PostgreSQL's insufficient_privilege. */
    private static final String DENIED = "42501";

    private static final Map<String, String> OWN_SCHEMA = Map.of(
            ServiceRoles.GATEWAY, "jobs",
            ServiceRoles.WORKER, "directory",
            ServiceRoles.AUDIT, "audit");

    @Test
    void eachRoleOwnsItsSchemaAndIsConfinedToWhatItsServiceUses() throws Exception {
        try (OwnDatabase database = OwnDatabase.create("roles")) {
            // Migrated by the superuser, as before the roles: the script hands everything over, twice over.
            ServiceRoles.apply(database.endpoint());
            ServiceRoles.Logins logins = ServiceRoles.apply(database.endpoint());
            JdbcClient admin = jdbc(database.endpoint());
            OWN_SCHEMA.forEach((role, schema) -> {
                assertThat(admin.sql("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = ?")
                                .param(schema)
                                .query(String.class)
                                .single())
                        .isEqualTo(role);
                assertThat(admin.sql("""
                                SELECT c.relname FROM pg_class c
                                WHERE c.relnamespace = ?::regnamespace AND c.relowner <> ?::regrole
                                UNION ALL
                                SELECT p.proname FROM pg_proc p
                                WHERE p.pronamespace = ?::regnamespace AND p.proowner <> ?::regrole""")
                                .params(schema, role, schema, role)
                                .query(String.class)
                                .list())
                        .as("objects of %s not owned by %s", schema, role)
                        .isEmpty();
                assertThat(admin.sql("SELECT count(*) FROM pg_class WHERE oid = to_regclass(?)")
                                .param(schema + ".flyway_schema_history")
                                .query(Long.class)
                                .single())
                        .as("%s's Flyway history table is there (and its role's, by the check above)", schema)
                        .isOne();
            });

            for (DatabaseEndpoint login : List.of(logins.gateway(), logins.worker(), logins.audit())) {
                try (Connection connection = connect(login)) {
                    String role = login.username();
                    assertThat(single(connection, "SELECT current_user")).isEqualTo(role);
                    assertThat(single(connection, """
                                    SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls
                                    FROM pg_roles WHERE rolname = current_user""")).isEqualTo("f");
                    assertThat(single(
                                    connection,
                                    "SELECT count(*) FROM pg_auth_members WHERE member = current_user::regrole"))
                            .as("%s is a member of no role (pg_execute_server_program, ...)", role)
                            .isEqualTo("0");
                    assertDenied(connection, "COPY (SELECT 1) TO PROGRAM 'true'");
                    assertDenied(connection, "CREATE TEMPORARY TABLE scratch (id int)");
                    for (String schema : List.of("jobs", "directory", "audit", "public")) {
                        String create = "CREATE TABLE " + schema + ".intruder (id int)";
                        if (schema.equals(OWN_SCHEMA.get(role))) {
                            execute(connection, create);
                            execute(connection, "DROP TABLE " + schema + ".intruder");
                        } else {
                            assertDenied(connection, create);
                        }
                    }
                }
            }

            UUID id = UUID.randomUUID();
            try (Connection gateway = connect(logins.gateway())) {
                inRolledBackTransaction(gateway, () -> {
                    execute(
                            gateway,
                            "INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES ('" + id + "', '" + id
                                    + "')");
                    execute(
                            gateway,
                            "UPDATE jobs.closed_portfolios SET closed_at = now() WHERE portfolio_id = '" + id + "'");
                    assertThat(single(
                                    gateway,
                                    "SELECT count(*) FROM jobs.closed_portfolios WHERE portfolio_id = '" + id + "'"))
                            .isEqualTo("1");
                    execute(gateway, "DELETE FROM jobs.closed_portfolios WHERE portfolio_id = '" + id + "'");
                });
                // It reads the directory, never writes it, and never touches the activity log.
                single(gateway, "SELECT count(*) FROM directory.users");
                assertDenied(gateway, "INSERT INTO directory.portfolios (id, name) VALUES ('" + id + "', 'x')");
                assertDenied(gateway, "SELECT count(*) FROM audit.activity_log");
                // A table a later migration creates in jobs is not the worker's unless the gateway's
                // grants name it.
                execute(gateway, "CREATE TABLE jobs.later_migration (id int)");
            }
            try (Connection worker = connect(logins.worker())) {
                inRolledBackTransaction(worker, () -> {
                    execute(worker, "INSERT INTO directory.portfolios (id, name) VALUES ('" + id + "', 'Roles')");
                    execute(worker, "UPDATE directory.portfolios SET name = 'Renamed' WHERE id = '" + id + "'");
                    execute(worker, "DELETE FROM directory.portfolios WHERE id = '" + id + "'");
                });
                // It applies tasks and ends jobs (the trigger writes the webhook outbox as the worker),
                // releases deferred tasks and records dead letters; it deletes nothing there.
                inRolledBackTransaction(worker, () -> {
                    execute(
                            worker,
                            "INSERT INTO jobs.task_dead_letters (id, source_topic, source_partition,"
                                    + " source_offset, reason) VALUES ('" + id + "', 't', 0, 0, 'test')");
                    single(worker, "SELECT jobs.release_deferred_tasks(NULL, 10)");
                    single(worker, "SELECT count(*) FROM jobs.account_roles");
                    single(worker, "SELECT count(*) FROM jobs.closed_portfolios");
                    // A close's unlinking of every account notes the accounts it unlinks for the close.
                    execute(
                            worker,
                            "INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id) VALUES ('" + id
                                    + "', '" + id + "') ON CONFLICT (portfolio_id, account_id)"
                                    + " DO UPDATE SET asked_at = excluded.asked_at");
                });
                // Nothing else of the gateway's: not who administers a portfolio, nor its SCIM tokens,
                // webhook subscriptions or console sessions (with their bearer tokens).
                for (String table : List.of(
                        "portfolio_users",
                        "portfolio_roles",
                        "scim_tokens",
                        "webhook_subscriptions",
                        "console_sessions",
                        "console_sessions_attributes",
                        "idempotency_keys",
                        "later_migration")) {
                    assertDenied(worker, "SELECT count(*) FROM jobs." + table);
                }
                assertDenied(worker, "INSERT INTO jobs.later_migration (id) VALUES (1)");
                assertDenied(worker, "DELETE FROM jobs.bulk_jobs");
                // Jobs and tasks are created by the gateway only, after it checked who asks.
                assertDenied(
                        worker,
                        "INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,"
                                + " requested_by_email, total, pending) VALUES ('" + id + "', '" + id
                                + "', 'OFFBOARD_USERS', 'QUEUED', '" + id + "', 'x@example.com', 1, 1)");
                assertDenied(
                        worker,
                        "INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action)"
                                + " VALUES ('" + id + "', '" + id + "', '" + id + "', '" + id + "', '" + id
                                + "', 'REMOVE')");
                assertDenied(worker, "TRUNCATE jobs.bulk_tasks");
                assertDenied(worker, "ALTER TABLE jobs.bulk_jobs ADD COLUMN intruder int");
                assertDenied(worker, "SELECT count(*) FROM audit.activity_log");
                execute(worker, "CREATE TABLE directory.later_migration (id int)");
            }
            endAJobAsTheWorker(admin, logins.worker());
            try (Connection audit = connect(logins.audit())) {
                inRolledBackTransaction(audit, () -> {
                    execute(audit, """
                            INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action,
                                initiated_from, actor_user_id, actor_email, portfolio_id, summary)
                            VALUES ('%1$s', '%1$s', '%1$s', now(), 'ACCOUNT_LINKED', 'PORTFOLIO', '%1$s',
                                'owner@example.com', '%1$s', 'linked')""".formatted(id));
                    execute(audit, "DELETE FROM audit.activity_log WHERE entry_id = '" + id + "'");
                });
                assertDenied(audit, "SELECT count(*) FROM jobs.bulk_jobs");
                assertDenied(audit, "SELECT count(*) FROM jobs.console_sessions_attributes");
                assertDenied(audit, "SELECT count(*) FROM directory.users");
            }
            try (Connection gateway = connect(logins.gateway())) {
                single(gateway, "SELECT count(*) FROM directory.later_migration");
                assertDenied(gateway, "INSERT INTO directory.later_migration (id) VALUES (1)");
            }
        }
    }

    /**
     * A gateway of an older version started after a newer one migrated (an older image restarted during
     * a rollout, a rollback) runs its {@code afterMigrate} grants again: they leave the worker's grants as
     * the newer version set them, where they took away what the newer workers use (permission denied).
     */
    @Test
    void aGatewayStartedAfterANewerOneLeavesTheNewerGrantsToTheWorker() throws Exception {
        try (OwnDatabase database = OwnDatabase.create("newergrants")) {
            ServiceRoles.Logins logins = ServiceRoles.apply(database.endpoint());
            // What a newer version's gateway did: a table its workers use, granted by the next revision
            // of the worker's grants (a revision no release here reaches).
            try (Connection gateway = connect(logins.gateway())) {
                execute(gateway, "CREATE TABLE jobs.newer_version (id int)");
                execute(gateway, "GRANT SELECT ON jobs.newer_version TO " + ServiceRoles.WORKER);
                execute(
                        gateway,
                        "CREATE OR REPLACE FUNCTION jobs.worker_grants_revision() RETURNS integer"
                                + " LANGUAGE sql AS 'SELECT 1000000'");
            }

            migrateJobs(logins.gateway());

            try (Connection worker = connect(logins.worker())) {
                assertThat(single(worker, "SELECT count(*) FROM jobs.newer_version"))
                        .isEqualTo("0");
            }
        }
    }

    /**
     * What the gateway's role owns it may change: the function that grants the worker its tables, the
     * triggers of the task republications. Code it put there, which first tries {@code RESET ROLE} (in a
     * superuser's session under {@code SET ROLE} that gives it the superuser's rights back), never runs
     * in a superuser's session: the roles script runs no function of the gateway's and leaves the
     * worker's grants on jobs as the gateway set them, and the recovery script runs logged in as the
     * gateway's role (psql after a restore, the local stack after its broker's data was lost) and
     * refuses the superuser before it writes, also in a psql that goes on after errors. On a database
     * where the gateway granted the worker nothing yet (from before its list, or before the roles), the
     * roles script grants the worker all of jobs' tables, until the gateway's next start narrows them.
     */
    @Test
    void theSuperusersScriptsRunWhatTheGatewayOwnsAsTheGateway() throws Exception {
        try (OwnDatabase database = OwnDatabase.create("escalation")) {
            ServiceRoles.Logins logins = ServiceRoles.apply(database.endpoint());
            // A gateway started: the worker has its tables of jobs, exactly.
            migrateJobs(logins.gateway());
            JdbcClient admin = jdbc(database.endpoint());
            String script = "bulk-schema/src/main/resources/db/resend-pending-tasks.sql";
            try {
                try (Connection gateway = connect(logins.gateway())) {
                    execute(gateway, "CREATE TABLE jobs.escalations (planted text, attempted_as text)");
                    execute(gateway, """
                            CREATE FUNCTION jobs.escalate(planted text) RETURNS void LANGUAGE plpgsql AS $$
                            BEGIN
                                RESET ROLE;
                                INSERT INTO jobs.escalations VALUES (planted, current_user);
                                BEGIN
                                    ALTER ROLE bulk_gateway SUPERUSER;
                                EXCEPTION WHEN insufficient_privilege THEN
                                    NULL;
                                END;
                            END $$""");
                    // The grants' function still grants (its original, kept under another name), after
                    // trying to make the gateway's role a superuser.
                    execute(gateway, "ALTER FUNCTION jobs.grant_worker_tables() RENAME TO kept_grant_worker_tables");
                    execute(gateway, """
                            CREATE FUNCTION jobs.grant_worker_tables() RETURNS void LANGUAGE plpgsql AS $$
                            BEGIN
                                PERFORM jobs.escalate('grant_worker_tables');
                                PERFORM jobs.kept_grant_worker_tables();
                            END $$""");
                    execute(gateway, """
                            CREATE FUNCTION jobs.escalate_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                            BEGIN
                                PERFORM jobs.escalate('task_republications');
                                RETURN NULL;
                            END $$""");
                    execute(
                            gateway,
                            "CREATE TRIGGER escalate AFTER INSERT ON jobs.task_republications"
                                    + " FOR EACH STATEMENT EXECUTE FUNCTION jobs.escalate_on_insert()");
                }

                ServiceRoles.apply(database.endpoint());
                assertThat(Programs.psql(logins.gateway(), script, Map.of())).contains("INSERT 0 0");
                assertThat(new PendingTaskRecovery(logins.gateway()).republishPendingTasks())
                        .isZero();

                assertThat(admin.sql("SELECT rolsuper FROM pg_roles WHERE rolname = ?")
                                .param(ServiceRoles.GATEWAY)
                                .query(Boolean.class)
                                .single())
                        .as("whether the gateway's role is a superuser")
                        .isFalse();
                assertThat(admin.sql("SELECT planted || ' as ' || attempted_as FROM jobs.escalations")
                                .query(String.class)
                                .list())
                        .as("the gateway's code that ran, and as whom: psql's recovery, the local stack's;"
                                + " never the grants' function, nor as the superuser")
                        .containsExactly(
                                "task_republications as " + ServiceRoles.GATEWAY,
                                "task_republications as " + ServiceRoles.GATEWAY);
                // The superuser, refused before the INSERT: by the recovery, and by a psql that goes on.
                assertThatThrownBy(() -> new PendingTaskRecovery(database.endpoint()).republishPendingTasks())
                        .hasMessageContaining("not as the owner of the jobs schema (bulk_gateway)");
                assertThat(Programs.psql(database.endpoint(), script, Map.of(), false))
                        .contains("psql -U bulk_gateway")
                        .doesNotContain("INSERT 0")
                        .contains("ROLLBACK");
                assertThat(admin.sql("SELECT count(*) FROM jobs.escalations")
                                .query(Long.class)
                                .single())
                        .as("runs of the gateway's code since")
                        .isEqualTo(2);
                // The worker keeps the tables the gateway granted it, and only those.
                try (Connection worker = connect(logins.worker())) {
                    single(worker, "SELECT count(*) FROM jobs.account_roles");
                    single(worker, "SELECT count(*) FROM jobs.task_dead_letters");
                    assertDenied(worker, "SELECT count(*) FROM jobs.scim_tokens");
                }

                // A database from before the gateway's list of the worker's tables (no function to grant
                // them), and one the superuser migrated before the roles (the worker got nothing): all
                // of jobs' tables, until the gateway's next start narrows them.
                try (Connection gateway = connect(logins.gateway())) {
                    execute(gateway, "DROP FUNCTION jobs.grant_worker_tables()");
                }
                ServiceRoles.apply(database.endpoint());
                try (Connection worker = connect(logins.worker())) {
                    single(worker, "SELECT count(*) FROM jobs.account_roles");
                    single(worker, "SELECT count(*) FROM jobs.scim_tokens");
                }
                migrateJobs(logins.gateway());
                try (Connection worker = connect(logins.worker())) {
                    assertDenied(worker, "SELECT count(*) FROM jobs.scim_tokens");
                }
                try (Connection gateway = connect(logins.gateway())) {
                    execute(gateway, "REVOKE ALL ON ALL TABLES IN SCHEMA jobs FROM " + ServiceRoles.WORKER);
                }
                ServiceRoles.apply(database.endpoint());
                try (Connection worker = connect(logins.worker())) {
                    single(worker, "SELECT count(*) FROM jobs.account_roles");
                    single(worker, "SELECT count(*) FROM jobs.task_dead_letters");
                }
            } finally {
                admin.sql("ALTER ROLE " + ServiceRoles.GATEWAY + " NOSUPERUSER").update();
            }
        }
    }

    /**
     * The local stack's start seeds the directory and the portfolio administration after the roles
     * script, as the roles that own those tables, not as the superuser: a trigger the gateway's login put
     * on {@code jobs.portfolio_users}, or the worker's on {@code directory.portfolios}, runs as that role
     * when the seed inserts there (also after {@code RESET ROLE}, which in a superuser's session under
     * {@code SET ROLE} would give it the superuser's rights back), and cannot make it a superuser. The
     * seed writes what it writes all the same.
     */
    @Test
    void theLocalStacksSeedsRunWhatEachServiceOwnsAsThatService() throws Exception {
        try (OwnDatabase database = OwnDatabase.create("seeds")) {
            ServiceRoles.Logins logins = ServiceRoles.apply(database.endpoint());
            JdbcClient admin = jdbc(database.endpoint());
            Map<DatabaseEndpoint, String> seededTables = Map.of(
                    logins.gateway(), "jobs.portfolio_users",
                    logins.worker(), "directory.portfolios");
            try {
                for (Map.Entry<DatabaseEndpoint, String> seeded : seededTables.entrySet()) {
                    String role = seeded.getKey().username();
                    String schema = OWN_SCHEMA.get(role);
                    try (Connection owner = connect(seeded.getKey())) {
                        execute(owner, "CREATE TABLE " + schema + ".escalations (attempted_as text)");
                        execute(owner, """
                                CREATE FUNCTION %1$s.escalate_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                                BEGIN
                                    RESET ROLE;
                                    INSERT INTO %1$s.escalations VALUES (current_user);
                                    BEGIN
                                        ALTER ROLE %2$s SUPERUSER;
                                    EXCEPTION WHEN insufficient_privilege THEN
                                        NULL;
                                    END;
                                    RETURN NULL;
                                END $$""".formatted(schema, role));
                        execute(
                                owner,
                                "CREATE TRIGGER escalate AFTER INSERT ON " + seeded.getValue()
                                        + " FOR EACH STATEMENT EXECUTE FUNCTION " + schema + ".escalate_on_insert()");
                    }
                }

                ByteArrayOutputStream printed = new ByteArrayOutputStream();
                boolean demoSeeded =
                        LocalStack.seed(database.endpoint(), List.of(), new PrintStream(printed, true, UTF_8));

                assertThat(admin.sql("SELECT rolname FROM pg_roles WHERE rolsuper AND rolname IN (?, ?)")
                                .params(ServiceRoles.GATEWAY, ServiceRoles.WORKER)
                                .query(String.class)
                                .list())
                        .as("service roles that made themselves superusers")
                        .isEmpty();
                for (Map.Entry<DatabaseEndpoint, String> seeded : seededTables.entrySet()) {
                    String role = seeded.getKey().username();
                    assertThat(admin.sql("SELECT DISTINCT attempted_as FROM " + OWN_SCHEMA.get(role) + ".escalations")
                                    .query(String.class)
                                    .list())
                            .as("who ran %s's trigger on %s", role, seeded.getValue())
                            .containsExactly(role);
                }
                assertThat(demoSeeded).as(printed.toString(UTF_8)).isTrue();
                assertThat(admin.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = ? AND user_id = ?")
                                .params(DemoPortfolio.PORTFOLIO_ID, DemoPortfolio.ADMIN_ID)
                                .query(String.class)
                                .list())
                        .containsExactly("OWNER");
            } finally {
                admin.sql("ALTER ROLE " + ServiceRoles.GATEWAY + " NOSUPERUSER").update();
                admin.sql("ALTER ROLE " + ServiceRoles.WORKER + " NOSUPERUSER").update();
            }
        }
    }

    /**
     * The worker's role owns the directory, which the gateway reads: it may put a row-level security
     * policy on a table there, or a view in a table's place, that calls a function of its own. The
     * gateway's reads never run that function as the gateway's role (which would read the SCIM tokens,
     * or create jobs): with either in place, its directory API fails instead. Both are taken away again
     * before anything else reads the shared directory.
     */
    @Test
    void theWorkersCodeInTheDirectoryNeverRunsAsTheGateway() throws Exception {
        ServiceStack stack = TestStack.get();
        ServiceRoles.Logins logins = ServiceRoles.apply(TestStack.sharedDatabase());
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        UUID ownerId = UUID.randomUUID();
        GatewayClient owner = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(ownerId, "owner-" + ownerId + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        assertThat(owner.call("GET", "/users", null).getStatusCode().value()).isEqualTo(200);
        String calls = "directory.calls_" + UUID.randomUUID().toString().replace("-", "");
        String function =
                "directory.record_caller_" + UUID.randomUUID().toString().replace("-", "");
        List<Integer> answers = new ArrayList<>();
        try (Connection worker = connect(logins.worker())) {
            execute(worker, "CREATE TABLE " + calls + " (called_as text)");
            execute(worker, "GRANT INSERT ON " + calls + " TO " + ServiceRoles.GATEWAY);
            execute(worker, """
                    CREATE FUNCTION %s() RETURNS boolean LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO %s VALUES (current_user);
                        RETURN true;
                    END $$""".formatted(function, calls));
            execute(worker, "GRANT EXECUTE ON FUNCTION " + function + "() TO " + ServiceRoles.GATEWAY);
            try {
                execute(worker, "CREATE POLICY record_caller ON directory.users FOR SELECT USING (" + function + "())");
                execute(worker, "ALTER TABLE directory.users ENABLE ROW LEVEL SECURITY");
                answers.add(owner.call("GET", "/users", null).getStatusCode().value());
            } finally {
                execute(worker, "ALTER TABLE directory.users DISABLE ROW LEVEL SECURITY");
                execute(worker, "DROP POLICY IF EXISTS record_caller ON directory.users");
            }
            try {
                execute(worker, "ALTER TABLE directory.users RENAME TO users_behind_a_view");
                execute(
                        worker,
                        "CREATE VIEW directory.users AS SELECT * FROM directory.users_behind_a_view WHERE " + function
                                + "()");
                answers.add(owner.call("GET", "/users", null).getStatusCode().value());
            } finally {
                execute(worker, "DROP VIEW IF EXISTS directory.users");
                execute(worker, "ALTER TABLE IF EXISTS directory.users_behind_a_view RENAME TO users");
            }
            assertThat(single(
                            worker,
                            "SELECT count(*) FROM " + calls + " WHERE called_as = '" + ServiceRoles.GATEWAY + "'"))
                    .as("reads of the gateway's that ran the worker's function as the gateway's role")
                    .isEqualTo("0");
            assertThat(answers)
                    .as("the directory API with a policy, then with a view, on directory.users")
                    .allSatisfy(status -> assertThat(status).isEqualTo(500));
            execute(worker, "DROP FUNCTION " + function + "()");
            execute(worker, "DROP TABLE " + calls);
        }
        assertThat(owner.call("GET", "/users", null).getStatusCode().value()).isEqualTo(200);
    }

    /**
     * The worker's role loses a grant its tasks need (changing roles in the directory, revoked by hand):
     * the database refuses the worker's statements (SQLSTATE 42501), which is no fault of the task. It
     * stays pending with none of its attempts used while the worker tries its batch again after a
     * back-off, with the consumer that holds its partition fetching nothing meanwhile (what
     * BulkConsumerNotFetching sees), each try logged with what mends it. Once the grant is back the
     * task is applied, once. Before, the refusal counted as the task's own failure: the task used up its
     * attempts within seconds and ended FAILED (RETRIES_EXHAUSTED), its job COMPLETED_WITH_ERRORS.
     */
    @Test
    void aGrantTheWorkerLostHoldsItsTasksPendingUntilItIsBack() throws Exception {
        ServiceStack stack = TestStack.get();
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        UUID account = portfolio.account(0);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, List.of(account));
        UUID ownerId = UUID.randomUUID();
        GatewayClient owner = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(ownerId, "owner-" + ownerId + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        JdbcClient admin = JdbcClient.create(TestStack.database());
        MeterRegistry workerMeters = stack.worker().getBean(MeterRegistry.class);
        MessageListenerContainer listener =
                stack.worker().getBean(KafkaListenerEndpointRegistry.class).getListenerContainer(TaskListener.ID);
        String topic = stack.worker().getEnvironment().getRequiredProperty("bulk.worker.topics.tasks");
        UUID job;
        try (LogLines lines = LogLines.of("com.portfoliobulk.worker.apply.TaskApplier")) {
            admin.sql("REVOKE UPDATE ON directory.memberships FROM " + ServiceRoles.WORKER)
                    .update();
            try {
                job = owner.submit(Map.of(
                        "type",
                        "UPDATE_ROLES",
                        "userIds",
                        List.of(ann.userId()),
                        "accountIds",
                        List.of(account),
                        "role",
                        "MANAGER"));
                UUID submitted = job;
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(statusAndAttempts(admin, submitted)).isEqualTo("PENDING 0");
                    assertThat(refusals(lines)).hasSizeGreaterThanOrEqualTo(2);
                });
                assertThat(refusals(lines))
                        .allSatisfy(line -> assertThat(line)
                                .startsWith("The database refuses the worker's statements: Database error 42501:"
                                        + " permission denied for table memberships; a grant of the service's"
                                        + " database role, or a table, column or function, is missing: restore it"
                                        + " (runbook BulkConsumerNotFetching); no task is failed for it: the batch"
                                        + " is redelivered after a back-off"));
                int partition = partitionOf(topic, account);
                String consumer = listener.getAssignmentsByClientId().entrySet().stream()
                        .filter(assigned -> assigned.getValue().contains(new TopicPartition(topic, partition)))
                        .map(Map.Entry::getKey)
                        .findFirst()
                        .orElseThrow();
                double fetches = fetches(workerMeters, consumer);
                int tries = refusals(lines).size();

                await().atMost(Duration.ofSeconds(60))
                        .until(() -> refusals(lines).size() >= tries + 2);
                assertThat(fetches(workerMeters, consumer))
                        .as("fetches of %s over 2 tries of the batch", consumer)
                        .isEqualTo(fetches);
                assertThat(statusAndAttempts(admin, job)).isEqualTo("PENDING 0");
            } finally {
                admin.sql("GRANT UPDATE ON directory.memberships TO " + ServiceRoles.WORKER)
                        .update();
            }
        }

        JsonNode ended = owner.awaitTerminal(job);
        assertThat(ended.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(statusAndAttempts(admin, job)).isEqualTo("SUCCEEDED 1");
        assertThat(owner.memberships(ann.email())).isEqualTo(Map.of(account, "MANAGER"));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(admin.sql("SELECT count(*) FROM audit.activity_log WHERE job_id = ?")
                                .param(job)
                                .query(Long.class)
                                .single())
                        .as("activity entries of the job's one change")
                        .isOne());
    }

    /** The status and attempts of the job's one task. */
    private static String statusAndAttempts(JdbcClient admin, UUID job) {
        return admin.sql("SELECT status || ' ' || attempts FROM jobs.bulk_tasks WHERE job_id = ?")
                .param(job)
                .query(String.class)
                .single();
    }

    /** The worker's lines about a batch the database refused, so far. */
    private static List<String> refusals(LogLines lines) {
        return lines.lines().stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(line -> line.startsWith("The database refuses the worker's statements"))
                .toList();
    }

    /** The partition the relay's producer gives the account's tasks: its key's hash, as Kafka's default partitioner. */
    private static int partitionOf(String topic, UUID account) throws Exception {
        try (Admin kafka = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers()))) {
            int partitions = kafka.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
            return Utils.toPositive(Utils.murmur2(account.toString().getBytes(UTF_8))) % partitions;
        }
    }

    /** The fetch requests the worker's consumer {@code clientId} has sent (kafka_consumer_fetch_manager_fetch_total). */
    private static double fetches(MeterRegistry meters, String clientId) {
        return meters.get("kafka.consumer.fetch.manager.fetch.total")
                .tag("client.id", clientId)
                .functionCounter()
                .count();
    }

    /** The in-JVM stack's services log in as their own roles, not as the database's superuser. */
    @Test
    void theStacksServicesLogInAsTheirOwnRoles() {
        ServiceStack stack = TestStack.get();
        Map<ConfigurableApplicationContext, String> roles = Map.of(
                stack.gateway(), ServiceRoles.GATEWAY,
                stack.worker(), ServiceRoles.WORKER,
                stack.audit(), ServiceRoles.AUDIT);
        roles.forEach((context, role) -> assertThat(JdbcClient.create(context.getBean(DataSource.class))
                        .sql("SELECT current_user")
                        .query(String.class)
                        .single())
                .isEqualTo(role));
    }

    /**
     * A data directory from before the roles (the services migrated their schemas as the superuser)
     * starts: the local stack hands the schemas to the roles, the services migrate and run a job, and
     * the worker's and the audit-consumer's writes land.
     */
    @Test
    void aDataDirectoryTheSuperuserMigratedKeepsWorking(@TempDir Path dataDirectory) {
        try (DataDirectory directory = DataDirectory.open(dataDirectory, false);
                PersistentPostgres postgres = PersistentPostgres.start(
                        directory.postgres(), 0, directory.logs().resolve("postgres.log"))) {
            DatabaseEndpoint superuser = postgres.endpoint();
            SharedInfrastructure.migrate(new com.portfoliobulk.testsupport.DatabaseEndpoint(
                    superuser.jdbcUrl(), superuser.username(), superuser.password()));
            assertThat(jdbc(superuser)
                            .sql("SELECT DISTINCT nspowner::regrole::text FROM pg_namespace"
                                    + " WHERE nspname IN ('jobs', 'directory', 'audit')")
                            .query(String.class)
                            .list())
                    .containsExactly(superuser.username());
        }

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (LocalStack stack =
                LocalStack.start(LocalStackOptions.onFreePorts(dataDirectory), new PrintStream(printed, true, UTF_8))) {
            assertThat(printed.toString(UTF_8))
                    .contains("the services log in as bulk_gateway, bulk_worker and bulk_audit");
            JdbcClient admin = jdbc(stack.database());
            assertThat(admin.sql("SELECT nspname || ':' || nspowner::regrole FROM pg_namespace"
                                    + " WHERE nspname IN ('jobs', 'directory', 'audit') ORDER BY nspname")
                            .query(String.class)
                            .list())
                    .containsExactly("audit:bulk_audit", "directory:bulk_worker", "jobs:bulk_gateway");

            GatewayClient owner =
                    new GatewayClient(stack.gatewayUrl(), stack.adminToken().orElseThrow(), DemoPortfolio.PORTFOLIO_ID);
            UUID job = owner.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(DemoPortfolio.LEAVER_ID)));
            JsonNode ended = owner.awaitTerminal(job);
            assertThat(ended.get("status").asString()).isEqualTo("COMPLETED");
            long succeeded = ended.get("counts").get("succeeded").asLong();
            assertThat(succeeded).isPositive();
            assertThat(admin.sql("SELECT type FROM jobs.webhook_events WHERE job_id = ?")
                            .param(job)
                            .query(String.class)
                            .list())
                    .as("the job's end, written by the worker's update through the trigger")
                    .containsExactly("job.completed");
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(admin.sql("SELECT count(*) FROM audit.activity_log WHERE job_id = ?")
                                            .param(job)
                                            .query(Long.class)
                                            .single())
                                    .as("activity entries the audit-consumer wrote")
                                    .isEqualTo(succeeded));
        }
    }

    /**
     * README's erasure of one person's data ("Erasing one person's data on request"), its SQL blocks read
     * from README.md and each run with psql as the role README logs in as for it (the gateway's, as under
     * "Alert runbook", where it names none): every transaction succeeds, and neither the person's address
     * nor their user id is left in the tables it names, where others' rows that named them stay and name
     * them by user id. One transaction that writes two services' schemas is refused to every service role
     * (permission denied), and README has no one run it as the administrator.
     */
    @Test
    void readmesErasureOfOnePersonRunsAsTheServiceRolesAndLeavesNotTheirAddress(@TempDir Path scripts)
            throws Exception {
        try (OwnDatabase database = OwnDatabase.create("erasure")) {
            ServiceRoles.Logins logins = ServiceRoles.apply(database.endpoint());
            migrateJobs(logins.gateway());
            Map<String, DatabaseEndpoint> loginsByRole = Map.of(
                    ServiceRoles.GATEWAY, logins.gateway(),
                    ServiceRoles.WORKER, logins.worker(),
                    ServiceRoles.AUDIT, logins.audit());
            UUID person = UUID.randomUUID();
            String email = "erased-" + person + "@example.com";
            UUID other = UUID.randomUUID();
            String otherEmail = "kept-" + other + "@example.com";
            UUID portfolio = UUID.randomUUID();
            UUID account = UUID.randomUUID();
            UUID job = UUID.randomUUID();
            JdbcClient admin = jdbc(database.endpoint());
            // Their rows in every table README names, and others' rows that name them.
            admin.sql("""
                            INSERT INTO directory.portfolios (id, name) VALUES ('%3$s', 'Erasure');
                            INSERT INTO directory.accounts (id, portfolio_id, name) VALUES ('%4$s', '%3$s', 'Erasure');
                            INSERT INTO directory.users (id, email) VALUES ('%1$s', '%2$s'), ('%6$s', '%7$s');
                            INSERT INTO directory.memberships (account_id, user_id, role, state)
                            VALUES ('%4$s', '%1$s', 'ANALYST', 'ACTIVE'), ('%4$s', '%6$s', 'ANALYST', 'ACTIVE');
                            INSERT INTO directory.invitation_mails (id, job_id, user_id, email, language, portfolio_id,
                                inviter_email, token_digest)
                            VALUES (gen_random_uuid(), '%5$s', '%1$s', '%2$s', 'en', '%3$s', '%7$s',
                                    md5(random()::text) || md5(random()::text)),
                                   (gen_random_uuid(), '%5$s', '%6$s', '%7$s', 'en', '%3$s', '%2$s',
                                    md5(random()::text) || md5(random()::text));
                            INSERT INTO jobs.scim_users (portfolio_id, user_id, external_id, display_name)
                            VALUES ('%3$s', '%1$s', '%2$s', 'Erased Person');
                            INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)
                            VALUES ('%3$s', '%1$s', '%2$s', 'ADMIN'), ('%3$s', '%6$s', '%7$s', 'OWNER');
                            INSERT INTO jobs.portfolio_admin_log (id, portfolio_id, action, actor_user_id, actor_email,
                                subject, detail)
                            VALUES (gen_random_uuid(), '%3$s', 'PORTFOLIO_USER_ADDED', '%1$s', '%2$s', '%7$s',
                                    'role Admin'),
                                   (gen_random_uuid(), '%3$s', 'PORTFOLIO_USER_ADDED', '%6$s', '%7$s', '%2$s',
                                    'role Admin, invited %2$s');
                            INSERT INTO jobs.scim_tokens (id, portfolio_id, name, token_hash, created_by_user_id,
                                created_by_email)
                            VALUES (gen_random_uuid(), '%3$s', 'Directory', md5(random()::text), '%1$s', '%2$s');
                            INSERT INTO jobs.console_sessions (primary_id, session_id, creation_time,
                                last_access_time, max_inactive_interval, expiry_time, principal_name)
                            VALUES ('%1$s', md5(random()::text), 0, 0, 1800, 9000000000000, '%2$s'),
                                   ('%6$s', md5(random()::text), 0, 0, 1800, 9000000000000, '%7$s');
                            INSERT INTO jobs.console_sessions_attributes (session_primary_id, attribute_name,
                                attribute_bytes)
                            VALUES ('%1$s', 'SPRING_SECURITY_CONTEXT', convert_to('%2$s', 'UTF8')),
                                   ('%6$s', 'SPRING_SECURITY_CONTEXT', convert_to('%7$s', 'UTF8'));
                            INSERT INTO jobs.task_dead_letters (id, source_topic, source_partition, source_offset,
                                record_value, reason)
                            VALUES (gen_random_uuid(), 'portfolio.bulk-tasks', 0, 1,
                                    convert_to('{"userId":"%1$s","email":"%2$s"}', 'UTF8'), 'test');
                            INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action,
                                target_user_id, target_user_email, initiated_from, actor_user_id, actor_email,
                                portfolio_id, job_id, task_id, summary)
                            VALUES (gen_random_uuid(), gen_random_uuid(), '%4$s', now(), 'ACCESS_REMOVED', '%1$s',
                                    '%2$s', 'PORTFOLIO', '%6$s', '%7$s', '%3$s', '%5$s', gen_random_uuid(),
                                    '%7$s removed %2$s'),
                                   (gen_random_uuid(), gen_random_uuid(), '%4$s', now(), 'ACCOUNT_LINKED', NULL,
                                    NULL, 'PORTFOLIO', '%1$s', '%2$s', '%3$s', NULL, NULL, '%2$s linked it')""".formatted(person, email, portfolio, account, job, other, otherEmail))
                    .update();
            List<String> tablesNamingThem = List.of(
                    "directory.users",
                    "directory.invitation_mails",
                    "jobs.scim_users",
                    "jobs.portfolio_users",
                    "jobs.portfolio_admin_log",
                    "jobs.scim_tokens",
                    "jobs.console_sessions",
                    "audit.activity_log");
            tablesNamingThem.forEach(table -> assertThat(namingThem(admin, table, email))
                    .as("rows of %s naming them before", table)
                    .isPositive());

            String readme = ProjectFiles.read("README.md");
            int start = readme.indexOf("**Erasing one person's data on request.**");
            int end = readme.indexOf("What stays until its retention", start);
            assertThat(start).as("README's erasure").isNotNegative();
            Matcher block =
                    Pattern.compile("```(bash|sql)\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(start, end));
            Matcher login = Pattern.compile("-U (bulk_[a-z]+)").matcher("");
            String role = ServiceRoles.GATEWAY;
            List<String> ranAs = new ArrayList<>();
            while (block.find()) {
                if (block.group(1).equals("bash")) {
                    if (login.reset(block.group(2)).find()) {
                        role = login.group(1);
                    }
                    continue;
                }
                assertThat(loginsByRole).as("README's role for the erasure").containsKey(role);
                Path script = Files.writeString(scripts.resolve("erasure-" + ranAs.size() + ".sql"), block.group(2));
                Programs.psqlFile(loginsByRole.get(role), script, Map.of("uid", person.toString(), "email", email));
                ranAs.add(role);
            }

            assertThat(ranAs)
                    .as("README's erasure transactions, by the role each ran as")
                    .containsExactlyInAnyOrder(ServiceRoles.WORKER, ServiceRoles.GATEWAY, ServiceRoles.AUDIT);
            tablesNamingThem.forEach(table -> assertThat(namingThem(admin, table, email))
                    .as("rows of %s naming them after", table)
                    .isZero());
            assertThat(admin.sql("SELECT user_id FROM directory.memberships WHERE account_id = ?")
                            .param(account)
                            .query(UUID.class)
                            .list())
                    .as("the account's memberships")
                    .containsExactly(other);
            assertThat(admin.sql("""
                            SELECT count(*) FROM jobs.task_dead_letters
                             WHERE position(convert_to(?, 'UTF8') IN record_value) > 0""").param(email).query(Long.class).single())
                    .as("dead letters naming them after")
                    .isZero();
            assertThat(admin.sql("""
                            SELECT session_primary_id FROM jobs.console_sessions_attributes
                             WHERE position(convert_to(?, 'UTF8') IN attribute_bytes) > 0
                                OR position(convert_to(?, 'UTF8') IN attribute_bytes) > 0""")
                            .params(email, otherEmail)
                            .query(String.class)
                            .list())
                    .as("console sessions' attributes that name them, or the other administrator")
                    .containsExactly(other.toString());
            assertThat(admin.sql("SELECT inviter_email FROM directory.invitation_mails WHERE user_id = ?")
                            .param(other)
                            .query(String.class)
                            .list())
                    .as("who invited the other user, by their user id")
                    .containsExactly(person.toString());
            assertThat(admin.sql("SELECT email FROM jobs.portfolio_users WHERE portfolio_id = ?")
                            .param(portfolio)
                            .query(String.class)
                            .list())
                    .containsExactly(otherEmail);
            assertThat(admin.sql("SELECT summary FROM audit.activity_log WHERE portfolio_id = ? ORDER BY action")
                            .param(portfolio)
                            .query(String.class)
                            .list())
                    .containsExactly(otherEmail + " removed " + person, person + " linked it");
        }
    }

    /** How many rows of the table name the address, in any column. */
    private static long namingThem(JdbcClient admin, String table, String email) {
        return admin.sql("SELECT count(*) FROM " + table + " t WHERE strpos(t::text, ?) > 0")
                .param(email)
                .query(Long.class)
                .single();
    }

    /** What a gateway's start does to the database: its own schema's migrations, as api-gateway.yml sets them. */
    private static void migrateJobs(DatabaseEndpoint gateway) {
        Flyway.configure()
                .dataSource(gateway.jdbcUrl(), gateway.username(), gateway.password())
                .schemas("jobs")
                .locations("classpath:db/migration/jobs")
                .load()
                .migrate();
    }

    /** The worker's update that ends a job fires the trigger that writes the webhook outbox. */
    private static void endAJobAsTheWorker(JdbcClient admin, DatabaseEndpoint worker) throws SQLException {
        UUID job = UUID.randomUUID();
        admin.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                            requested_by_email, total, pending)
                        VALUES (?, ?, 'OFFBOARD_USERS', 'IN_PROGRESS', ?, 'owner@example.com', 0, 0)""").params(job, UUID.randomUUID(), UUID.randomUUID()).update();
        try (Connection connection = connect(worker)) {
            execute(connection, "UPDATE jobs.bulk_jobs SET status = 'COMPLETED' WHERE id = '" + job + "'");
        }
        assertThat(admin.sql("SELECT type FROM jobs.webhook_events WHERE job_id = ?")
                        .param(job)
                        .query(String.class)
                        .list())
                .containsExactly("job.completed");
    }

    private interface Statements {
        void run() throws SQLException;
    }

    private static void inRolledBackTransaction(Connection connection, Statements statements) throws SQLException {
        connection.setAutoCommit(false);
        try {
            statements.run();
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
    }

    private static void assertDenied(Connection connection, String sql) {
        assertThatThrownBy(() -> execute(connection, sql))
                .as("%s may not: %s", currentUser(connection), sql)
                .isInstanceOfSatisfying(
                        SQLException.class,
                        ex -> assertThat(ex.getSQLState()).as(ex.getMessage()).isEqualTo(DENIED));
    }

    private static String currentUser(Connection connection) {
        try {
            return connection.getMetaData().getUserName();
        } catch (SQLException ex) {
            return "?";
        }
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as(sql).isTrue();
            return rows.getString(1);
        }
    }

    private static Connection connect(DatabaseEndpoint login) throws SQLException {
        return DriverManager.getConnection(login.jdbcUrl(), login.username(), login.password());
    }

    private static JdbcClient jdbc(DatabaseEndpoint endpoint) {
        return JdbcClient.create(
                new DriverManagerDataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password()));
    }
}
