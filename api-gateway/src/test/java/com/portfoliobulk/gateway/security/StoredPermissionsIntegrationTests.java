package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A caller's stored permissions are read once per expiry however many of their requests arrive at
 * that moment: the others wait for that read.
 */
class StoredPermissionsIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    DataSource dataSource;

    @Test
    void concurrentRequestsOfOneCallerShareOneRead() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID editor = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)"
                        + " VALUES (:portfolio, :user, :email, 'USER_MANAGEMENT_EDIT')")
                .param("portfolio", portfolio.id())
                .param("user", editor)
                .param("email", "editor-" + editor + "@agency.test")
                .update();
        HeldDataSource database = new HeldDataSource(dataSource);
        StoredPermissions permissions = new StoredPermissions(
                JdbcClient.create(database),
                new PermissionProperties(PermissionProperties.Source.DATABASE, Duration.ofMinutes(1)));
        int requests = 20;
        List<Map<UUID, Set<PortfolioPermission>>> answers = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            threads.add(Thread.ofVirtual().start(() -> answers.add(permissions.of(editor))));
        }
        // Every request waits: one for its connection, the others for that request's read.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> threads.stream()
                                .filter(thread -> thread.getState() == Thread.State.WAITING)
                                .count()
                        == requests);
        database.release.countDown();
        for (Thread thread : threads) {
            thread.join(Duration.ofSeconds(10));
        }

        assertThat(database.connections.get())
                .as("one read for the %d requests", requests)
                .isEqualTo(1);
        assertThat(answers)
                .hasSize(requests)
                .allSatisfy(answer ->
                        assertThat(answer.get(portfolio.id())).contains(PortfolioPermission.USER_MANAGEMENT_EDIT));
        assertThat(permissions.of(editor)).as("cached").isEqualTo(answers.getFirst());
        assertThat(database.connections.get()).isEqualTo(1);
    }

    /** Counts the connections taken and holds each until released, so that the requests overlap. */
    private static final class HeldDataSource extends DelegatingDataSource {

        final AtomicInteger connections = new AtomicInteger();

        final CountDownLatch release = new CountDownLatch(1);

        HeldDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            connections.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new SQLException(ex);
            }
            return super.getConnection();
        }
    }
}
