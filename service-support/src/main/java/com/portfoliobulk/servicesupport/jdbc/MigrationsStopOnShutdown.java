package com.portfoliobulk.servicesupport.jdbc;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;

/**
 * Runs a start's migrations so that the process stops at once when told to (SIGTERM: {@code docker
 * stop}, Ctrl-C) while they wait for the database or for another instance's migrations. They wait as
 * long as it takes ({@link MigrationConnectionsAutoConfiguration}), their thread sleeping between two
 * tries, and Spring's shutdown hook waits for a start to end before it closes anything: the process
 * would stop only once the database answered, and then after starting the whole service, or at the
 * SIGKILL that follows (Compose: 45 s later). While the migrations run, a shutdown hook of their own
 * interrupts their thread whenever it finds it waiting: Flyway's retries end, and the start fails at
 * once, logging {@value #STOPPED}. A migration's statement that runs is left to end, as before.
 */
final class MigrationsStopOnShutdown implements FlywayMigrationStrategy {

    static final String STOPPED =
            "Stopped while waiting for the database or for another instance's migrations: the start ends";

    /** How often the hook looks whether the migrations' thread waits, until they end. */
    private static final long CHECK_MILLIS = 20;

    private static final Logger log = LoggerFactory.getLogger(MigrationsStopOnShutdown.class);

    @Override
    public void migrate(Flyway flyway) {
        Thread migrating = Thread.currentThread();
        CountDownLatch ended = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread hook = new Thread(() -> interruptWhileWaiting(migrating, ended, interrupted), "migrations-stop");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            log.warn(STOPPED);
            throw new FlywayException(STOPPED);
        }
        try {
            flyway.migrate();
        } catch (RuntimeException ex) {
            if (interrupted.get()) {
                throw new FlywayException(STOPPED, ex);
            }
            throw ex;
        } finally {
            ended.countDown();
            if (!removed(hook)) {
                awaitEnd(hook);
            }
        }
    }

    /** The hook: until the migrations end, interrupts their thread whenever it waits. */
    private static void interruptWhileWaiting(Thread migrating, CountDownLatch ended, AtomicBoolean interrupted) {
        try {
            while (!ended.await(CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
                Thread.State state = migrating.getState();
                if (state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING) {
                    if (!interrupted.getAndSet(true)) {
                        log.warn(STOPPED);
                    }
                    migrating.interrupt();
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the hook was removed: not once the process stops, when it runs. */
    private static boolean removed(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return true;
        } catch (IllegalStateException shuttingDown) {
            return false;
        }
    }

    /**
     * Waits for the running hook, which ends with the migrations, and clears an interrupt of it that came
     * as the migrations ended by themselves: what the start does next is not interrupted.
     */
    private static void awaitEnd(Thread hook) {
        while (true) {
            try {
                hook.join();
                break;
            } catch (InterruptedException ex) {
                // Its last interrupt: wait on.
            }
        }
        Thread.interrupted();
    }
}
