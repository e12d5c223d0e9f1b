package com.portfoliobulk.gateway.security;

import com.portfoliobulk.servicesupport.concurrent.Futures;
import java.sql.Array;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Callers' permissions per portfolio as the database holds them: a portfolio user's built-in or
 * custom portfolio role. One indexed query per caller, reused for
 * {@code bulk.gateway.permissions.cache-ttl}; {@link #forget} drops what a change made stale. When a
 * caller's entry expires under load (a client polling with many connections), one request reads it
 * again and the caller's other requests wait for that read instead of each running the same query.
 */
@Component
public class StoredPermissions {

    /** Beyond this many cached callers the cache starts over, so memory stays bounded. */
    private static final int MAX_CACHED_CALLERS = 10_000;

    private final JdbcClient jdbc;

    private final Duration ttl;

    private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

    /** The reads in progress, one per caller at most. */
    private final Map<UUID, CompletableFuture<Cached>> loading = new ConcurrentHashMap<>();

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
            Cached loaded = new Cached(load(userId), now);
            if (cache.size() >= MAX_CACHED_CALLERS) {
                cache.clear();
            }
            cache.put(userId, loaded);
            mine.complete(loaded);
            return loaded.permissions;
        } catch (RuntimeException | Error ex) {
            mine.completeExceptionally(ex);
            throw ex;
        } finally {
            loading.remove(userId, mine);
        }
    }

    /** Drops the cached permissions of {@code userId}, after their portfolio role changed. */
    public void forget(UUID userId) {
        cache.remove(userId);
    }

    /** Drops every cached permission, after a change that may touch many callers (a role's permissions). */
    public void forgetAll() {
        cache.clear();
    }

    private Map<UUID, Set<PortfolioPermission>> load(UUID userId) {
        Map<UUID, Set<PortfolioPermission>> permissions = new HashMap<>();
        jdbc.sql("""
                        SELECT pu.portfolio_id, pu.role, pr.permissions
                        FROM jobs.portfolio_users pu
                        LEFT JOIN jobs.portfolio_roles pr ON pr.portfolio_id = pu.portfolio_id AND pr.code = pu.role
                        WHERE pu.user_id = :userId
                        """).param("userId", userId).query(rs -> {
            UUID portfolioId = rs.getObject("portfolio_id", UUID.class);
            String role = rs.getString("role");
            Set<PortfolioPermission> granted = BuiltInPortfolioRole.of(role)
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
            permissions.put(portfolioId, granted);
        });
        return Map.copyOf(permissions);
    }

    private record Cached(Map<UUID, Set<PortfolioPermission>> permissions, long loadedAt) {}
}
