package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.OwnDatabase;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Gateways started at the same moment (replicas of a deployment, a rollout) migrate the jobs schema at
 * the same moment. Flyway runs the versioned migrations one instance at a time under a lock of its
 * own, but runs the {@code afterMigrate} callback, which every start runs, in each of them at once:
 * every one of them must succeed, or a gateway exits while starting.
 */
class ConcurrentStartMigrationsIntegrationTests {

    private static final int GATEWAYS = 4;

    private static final int STARTS = 10;

    @Test
    void gatewaysMigratingTheJobsSchemaAtTheSameMomentAllStart() throws Exception {
        try (OwnDatabase database = OwnDatabase.create("concurrentstart");
                ExecutorService gateways = Executors.newFixedThreadPool(GATEWAYS)) {
            for (int start = 0; start < STARTS; start++) {
                CyclicBarrier together = new CyclicBarrier(GATEWAYS);
                List<Future<?>> migrations = new ArrayList<>();
                for (int gateway = 0; gateway < GATEWAYS; gateway++) {
                    migrations.add(gateways.submit(() -> {
                        together.await();
                        return migrateJobs(database.endpoint()).success;
                    }));
                }
                for (Future<?> migration : migrations) {
                    assertThat(migration.get()).as("start %d", start).isEqualTo(true);
                }
            }
        }
    }

    /** What a gateway's start does to the database: its own schema's migrations, as api-gateway.yml sets them. */
    private static org.flywaydb.core.api.output.MigrateResult migrateJobs(DatabaseEndpoint database) {
        return Flyway.configure()
                .dataSource(database.jdbcUrl(), database.username(), database.password())
                .schemas("jobs")
                .locations("classpath:db/migration/jobs")
                .load()
                .migrate();
    }
}
