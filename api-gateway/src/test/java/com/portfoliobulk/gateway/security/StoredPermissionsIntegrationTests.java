package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
        SlowDataSource database = new SlowDataSource(dataSource);
        StoredPermissions permissions = new StoredPermissions(
                JdbcClient.create(database),
                new PermissionProperties(PermissionProperties.Source.DATABASE, Duration.ofMinutes(1)));
        int requests = 20;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Map<UUID, Set<PortfolioPermission>>>> answers = new ArrayList<>();

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < requests; i++) {
                answers.add(threads.submit(() -> {
                    start.await();
                    return permissions.of(editor);
                }));
            }
            start.countDown();
        }

        assertThat(database.connections.get())
                .as("one read for the %d requests", requests)
                .isEqualTo(1);
        for (Future<Map<UUID, Set<PortfolioPermission>>> answer : answers) {
            assertThat(answer.get().get(portfolio.id())).contains(PortfolioPermission.USER_MANAGEMENT_EDIT);
        }
        assertThat(permissions.of(editor))
                .as("cached")
                .isEqualTo(answers.getFirst().get());
        assertThat(database.connections.get()).isEqualTo(1);
    }

    /** Counts the connections taken and makes each take 300 ms, so that concurrent requests overlap. */
    private static final class SlowDataSource extends DelegatingDataSource {

        final AtomicInteger connections = new AtomicInteger();

        SlowDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            connections.incrementAndGet();
            try {
                Thread.sleep(300);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new SQLException(ex);
            }
            return super.getConnection();
        }
    }
}
