package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.servicesupport.concurrent.Futures;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A caller's stored permissions are read once per expiry however many of their requests arrive at
 * that moment: the others wait for that read. A change of their role drops what this gateway keeps
 * once it commits, and a read that began before is not kept, also when the change commits just as
 * the read is being kept.
 */
class StoredPermissionsIntegrationTests extends GatewayIntegrationTest {

    /** Runs a request on a thread of its own, outside the test's transaction. */
    private static final Executor OWN_THREAD = request -> Thread.ofVirtual().start(request);

    @Autowired
    DataSource dataSource;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void concurrentRequestsOfOneCallerShareOneRead() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID editor = editor(portfolio);
        HeldDataSource database = new HeldDataSource(dataSource);
        StoredPermissions permissions = permissions(database);
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

    @Test
    void aRequestDuringAChangeDoesNotKeepTheRoleTheChangeReplaces() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID editor = editor(portfolio);
        StoredPermissions permissions = permissions(dataSource);
        assertThat(permissions.of(editor).get(portfolio.id())).contains(PortfolioPermission.USER_MANAGEMENT_EDIT);

        new TransactionTemplate(transactions).executeWithoutResult(change -> {
            lowerToView(editor);
            permissions.forget(editor);
            // A request of the editor on this gateway meanwhile reads the role still committed.
            Set<PortfolioPermission> meanwhile = Futures.join(
                    CompletableFuture.supplyAsync(() -> permissions.of(editor).get(portfolio.id()), OWN_THREAD));
            assertThat(meanwhile).contains(PortfolioPermission.USER_MANAGEMENT_EDIT);
        });

        assertThat(permissions.of(editor).get(portfolio.id()))
                .as("the editor's next request after the change")
                .containsExactly(PortfolioPermission.USER_MANAGEMENT_VIEW);
    }

    @Test
    void aReadUnderWayWhenAChangeCommitsIsAnsweredButNotKept() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID editor = editor(portfolio);
        SlowToReturnDataSource database = new SlowToReturnDataSource(dataSource);
        StoredPermissions permissions = permissions(database);
        CompletableFuture<Set<PortfolioPermission>> underWay =
                CompletableFuture.supplyAsync(() -> permissions.of(editor).get(portfolio.id()), OWN_THREAD);
        // The read has its rows and is handing its connection back.
        assertThat(database.returning.await(10, TimeUnit.SECONDS)).isTrue();

        lowerToView(editor);
        permissions.forget(editor);
        database.release.countDown();

        assertThat(underWay.get(10, TimeUnit.SECONDS)).contains(PortfolioPermission.USER_MANAGEMENT_EDIT);
        assertThat(permissions.of(editor).get(portfolio.id()))
                .as("the editor's next request after the change")
                .containsExactly(PortfolioPermission.USER_MANAGEMENT_VIEW);
    }

    @Test
    void aChangeCommittingJustAsAReadIsKeptDropsWhatTheReadKeeps() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID editor = editor(portfolio);
        StoredPermissions permissions = permissions(dataSource);
        // The read has found no change under way; the change commits, and forgets the editor's entry,
        // right before the read keeps what it read.
        beforeTheFirstKeep(
                permissions,
                () -> new TransactionTemplate(transactions).executeWithoutResult(change -> {
                    lowerToView(editor);
                    permissions.forget(editor);
                }));

        assertThat(permissions.of(editor).get(portfolio.id()))
                .as("the read under way is answered")
                .contains(PortfolioPermission.USER_MANAGEMENT_EDIT);
        assertThat(permissions.of(editor).get(portfolio.id()))
                .as("the editor's next request after the change")
                .containsExactly(PortfolioPermission.USER_MANAGEMENT_VIEW);
    }

    /**
     * Runs {@code meanwhile} once, when {@code permissions} is about to keep a caller's permissions
     * it read: the moment between its check for changes and the keeping, which nothing else reaches.
     */
    private static void beforeTheFirstKeep(StoredPermissions permissions, Runnable meanwhile) throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Field cache = StoredPermissions.class.getDeclaredField("cache");
        cache.setAccessible(true);
        cache.set(permissions, new ConcurrentHashMap<Object, Object>() {
            @Override
            public Object put(Object key, Object value) {
                if (ran.compareAndSet(false, true)) {
                    meanwhile.run();
                }
                return super.put(key, value);
            }
        });
    }

    /** A portfolio user with the built-in role USER_MANAGEMENT_EDIT. */
    private UUID editor(DirectorySeed.Portfolio portfolio) {
        UUID editor = UUID.randomUUID();
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)"
                        + " VALUES (:portfolio, :user, :email, 'USER_MANAGEMENT_EDIT')")
                .param("portfolio", portfolio.id())
                .param("user", editor)
                .param("email", "editor-" + editor + "@agency.test")
                .update();
        return editor;
    }

    private void lowerToView(UUID editor) {
        jdbc.sql("UPDATE jobs.portfolio_users SET role = 'USER_MANAGEMENT_VIEW' WHERE user_id = :user")
                .param("user", editor)
                .update();
    }

    private static StoredPermissions permissions(DataSource database) {
        return new StoredPermissions(
                JdbcClient.create(database),
                new PermissionProperties(PermissionProperties.Source.DATABASE, Duration.ofMinutes(1)));
    }

    /**
     * Its connections hold their {@code close()} (the read has its rows then) until released, the
     * first one telling {@code returning} when it gets there.
     */
    private static final class SlowToReturnDataSource extends DelegatingDataSource {

        final CountDownLatch returning = new CountDownLatch(1);

        final CountDownLatch release = new CountDownLatch(1);

        SlowToReturnDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection connection = super.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close")) {
                            returning.countDown();
                            release.await();
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException ex) {
                            throw ex.getCause();
                        }
                    });
        }
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
