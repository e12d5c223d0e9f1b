package com.portfoliobulk.gateway.security;

import com.portfoliobulk.servicesupport.concurrent.Futures;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Callers' permissions per portfolio as the database holds them: a portfolio user's built-in or
 * custom portfolio role. One indexed query per caller, reused for
 * {@code bulk.gateway.permissions.cache-ttl}; {@link #forget} drops what a change made stale, as the
 * change commits (a read made while it was under way included). When a
 * caller's entry expires under load (a client polling with many connections), one request reads it
 * again and the caller's other requests wait for that read instead of each running the same query.
 */
@Component
public class StoredPermissions {

    /** Beyond this many cached callers the cache starts over, so memory stays bounded. */
    private static final int MAX_CACHED_CALLERS = 10_000;

    /**
     * A caller's portfolio users with their roles' permissions (built-in roles have none here). Not of a
     * closed portfolio: closing deletes its portfolio users, and one added while the close ran (its
     * delete did not see the row) counts for nothing either.
     */
    private static final String SELECT = """
            SELECT pu.portfolio_id, pu.role, pr.permissions
            FROM jobs.portfolio_users pu
            LEFT JOIN jobs.portfolio_roles pr ON pr.portfolio_id = pu.portfolio_id AND pr.code = pu.role
            WHERE pu.user_id = :userId
              AND NOT EXISTS (SELECT 1 FROM jobs.closed_portfolios c WHERE c.portfolio_id = pu.portfolio_id)
            """;

    private final JdbcClient jdbc;

    private final Duration ttl;

    private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

    /** The reads in progress, one per caller at most. */
    private final Map<UUID, CompletableFuture<Cached>> loading = new ConcurrentHashMap<>();

    /** Moves at every {@link #forget}: a read that began before one is not kept. */
    private final AtomicLong changes = new AtomicLong();

    /** The closed portfolios as last read, or null when they are to be read again. */
    private final AtomicReference<Closed> closed = new AtomicReference<>();

    StoredPermissions(JdbcClient jdbc, PermissionProperties properties) {
        this.jdbc = jdbc;
        this.ttl = properties.cacheTtl();
    }

    /** The caller's permissions per portfolio; none for portfolios they are no portfolio user of. */
    Map<UUID, Set<PortfolioPermission>> of(UUID userId) {
        long now = System.nanoTime();
        Cached cached = cache.get(userId);
        if (cached != null && now - cached.loadedAt < ttl.toNanos()) {
            return cached.permissions;
        }
        CompletableFuture<Cached> mine = new CompletableFuture<>();
        CompletableFuture<Cached> inProgress = loading.putIfAbsent(userId, mine);
        if (inProgress != null) {
            return Futures.join(inProgress).permissions;
        }
        try {
            long changesBefore = changes.get();
            Cached loaded = new Cached(load(userId), now);
            if (changes.get() == changesBefore) {
                if (cache.size() >= MAX_CACHED_CALLERS) {
                    cache.clear();
                }
                cache.put(userId, loaded);
                // A change that committed between the check and the put dropped the entry before there
                // was one: its count has moved, and what the read kept goes now.
                if (changes.get() != changesBefore) {
                    cache.remove(userId, loaded);
                }
            }
            mine.complete(loaded);
            return loaded.permissions;
        } catch (RuntimeException | Error ex) {
            mine.completeExceptionally(ex);
            throw ex;
        } finally {
            loading.remove(userId, mine);
        }
    }

    /**
     * The portfolios that were closed, as read at most the cache's time ago (this instance's closures at
     * once): no one administers them any more, whatever a token claims.
     */
    Set<UUID> closedPortfolios() {
        long now = System.nanoTime();
        Closed last = closed.get();
        if (last != null && now - last.readAt < ttl.toNanos()) {
            return last.portfolioIds;
        }
        long changesBefore = changes.get();
        Closed read = new Closed(
                Set.copyOf(jdbc.sql("SELECT portfolio_id FROM jobs.closed_portfolios")
                        .query(UUID.class)
                        .list()),
                now);
        if (changes.get() == changesBefore) {
            closed.set(read);
            // As for a caller's permissions: a closure that committed meanwhile drops what was kept.
            if (changes.get() != changesBefore) {
                closed.compareAndSet(read, null);
            }
        }
        return read.portfolioIds;
    }

    /**
     * Drops the cached permissions of {@code userId}, after their portfolio role changed: at once, and
     * again when the change's transaction ends, since a request of theirs in between reads the role
     * still committed. A read under way then is answered but not kept, and the requests after it read
     * again.
     */
    public void forget(UUID userId) {
        whenCommitted(() -> {
            changes.incrementAndGet();
            loading.remove(userId);
            cache.remove(userId);
        });
    }

    /**
     * Drops every cached permission, after a change that may touch many callers (a role's permissions,
     * a closure), as {@link #forget} does, and the closed portfolios read.
     */
    public void forgetAll() {
        whenCommitted(() -> {
            changes.incrementAndGet();
            loading.clear();
            cache.clear();
            closed.set(null);
        });
    }

    private static void whenCommitted(Runnable forgetting) {
        forgetting.run();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    forgetting.run();
                }
            });
        }
    }

    /**
     * The caller's permissions on one portfolio as the database holds them at this moment, past the
     * cache (and without refreshing it); none when they are no portfolio user of it. For checks that
     * must not act on a role changed moments ago through another gateway instance: run inside the
     * transaction that locked the caller's portfolio user row, the answer holds until it ends.
     */
    public Set<PortfolioPermission> current(UUID userId, UUID portfolioId) {
        Set<PortfolioPermission> permissions = EnumSet.noneOf(PortfolioPermission.class);
        jdbc.sql(SELECT + " AND pu.portfolio_id = :portfolioId")
                .param("userId", userId)
                .param("portfolioId", portfolioId)
                .query(rs -> {
                    permissions.addAll(granted(rs));
                });
        return permissions;
    }

    /**
     * The user's permissions on one portfolio as the database holds them now, their portfolio user row
     * locked {@code FOR SHARE} until the transaction ends: for the transaction that stores a job they
     * submit. Their removal or a change of their role locks that row {@code FOR UPDATE}, so it waits for
     * the job to commit (and then cancels it), or the job's transaction waits for the change and reads
     * the role as it left it. One statement, by the table's key; the custom role's permissions are read
     * for the role as locked, also when a change committed while it waited. None when they are no
     * portfolio user of it.
     */
    public Set<PortfolioPermission> heldForSubmission(UUID userId, UUID portfolioId) {
        Set<PortfolioPermission> permissions = EnumSet.noneOf(PortfolioPermission.class);
        jdbc.sql("""
                        SELECT pu.role,
                               (SELECT pr.permissions FROM jobs.portfolio_roles pr
                                 WHERE pr.portfolio_id = pu.portfolio_id AND pr.code = pu.role) AS permissions
                          FROM jobs.portfolio_users pu
                         WHERE pu.portfolio_id = :portfolioId AND pu.user_id = :userId
                           FOR SHARE
                        """).param("userId", userId).param("portfolioId", portfolioId).query(rs -> {
            permissions.addAll(granted(rs));
        });
        return permissions;
    }

    private Map<UUID, Set<PortfolioPermission>> load(UUID userId) {
        Map<UUID, Set<PortfolioPermission>> permissions = new HashMap<>();
        jdbc.sql(SELECT).param("userId", userId).query(rs -> {
            permissions.put(rs.getObject("portfolio_id", UUID.class), granted(rs));
        });
        return Map.copyOf(permissions);
    }

    /** The permissions of the current row's portfolio role: a built-in role's, or a custom role's named ones. */
    private static Set<PortfolioPermission> granted(ResultSet rs) throws SQLException {
        Set<PortfolioPermission> granted = BuiltInPortfolioRole.of(rs.getString("role"))
                .map(BuiltInPortfolioRole::permissions)
                .orElseGet(() -> EnumSet.noneOf(PortfolioPermission.class));
        Array custom = rs.getArray("permissions");
        if (custom != null) {
            for (Object name : (Object[]) custom.getArray()) {
                for (PortfolioPermission permission : PortfolioPermission.values()) {
                    if (permission != PortfolioPermission.OWNER
                            && permission.name().equals(name)) {
                        granted.add(permission);
                    }
                }
            }
        }
        return granted;
    }

    private record Cached(Map<UUID, Set<PortfolioPermission>> permissions, long loadedAt) {}

    private record Closed(Set<UUID> portfolioIds, long readAt) {}
}
