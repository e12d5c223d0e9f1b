package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import javax.sql.DataSource;

/**
 * One {@link ServiceStack} per test JVM on the shared infrastructure, for end-to-end tests, with the
 * worker's invitation e-mails going to an in-process SMTP server ({@link #mailbox()}). Tests that need
 * a differently configured stack (fault injection) start their own.
 */
final class TestStack {

    private static ServiceStack stack;

    private static LocalMailbox mailbox;

    private static HikariDataSource database;

    private TestStack() {}

    static synchronized ServiceStack get() {
        if (stack == null) {
            mailbox = LocalMailbox.start(0, 0);
            // The end-to-end tests mint their callers' permissions in the token's portfolios claim (the
            // identity provider as the source of permissions); database-held permissions are tested at the
            // gateway and by the local stack's own seed.
            stack = ServiceStack.start(
                    ServiceStack.Settings.onFreePorts(sharedDatabase(), SharedInfrastructure.kafkaBootstrapServers())
                            // A submission waits a minute, not 5 s, for a concurrent one with its Idempotency-Key,
                            // which a test holds while the Owner unlinks and links an account again over HTTP. A
                            // close's calls to the worker to unlink its accounts each stop starting batches after
                            // 0.5 s, not 2 s, so that one whose batches a test slows takes a call per batch.
                            .withPropertiesForAll(Map.of(
                                    "bulk.gateway.permissions.source", "identity-provider",
                                    "bulk.gateway.jobs.duplicate-wait", "60s",
                                    "bulk.gateway.close.unlink-call-budget", "500ms"))
                            .withWorkerProperties(Map.of(
                                    "spring.mail.host", "127.0.0.1",
                                    "spring.mail.port", mailbox.smtpPort(),
                                    "bulk.worker.mail.poll-interval", "200ms")));
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                stack.close();
                                mailbox.close();
                            },
                            "test-stack-stop"));
        }
        return stack;
    }

    /** The SMTP server the stack's worker sends to, and what it received. */
    static synchronized LocalMailbox mailbox() {
        get();
        return mailbox;
    }

    /**
     * The shared database as its superuser, for tests that arrange or inspect data in any schema: the
     * services' own connections (their roles) may only do what each service does.
     */
    static synchronized DataSource database() {
        if (database == null) {
            DatabaseEndpoint shared = sharedDatabase();
            HikariDataSource pool = new HikariDataSource();
            pool.setJdbcUrl(shared.jdbcUrl());
            pool.setUsername(shared.username());
            pool.setPassword(shared.password());
            pool.setMaximumPoolSize(4);
            database = pool;
        }
        return database;
    }

    /** The tests' shared database, as the local stack names a database. */
    static DatabaseEndpoint sharedDatabase() {
        com.portfoliobulk.testsupport.DatabaseEndpoint shared = SharedInfrastructure.database();
        return new DatabaseEndpoint(shared.jdbcUrl(), shared.username(), shared.password());
    }
}
