package com.portfoliobulk.gateway.ratelimit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * The windows in {@code jobs.portfolio_rate_limits}, shared by every gateway on the database. A request
 * costs one statement and one round trip: an upsert that starts a new window when the last one has
 * ended, or adds the request to the current one, under the row's lock, so concurrent gateways never
 * count the same slot twice. Windows are timed by the database's clock, the one clock all gateways
 * share.
 *
 * <p>It has a small connection pool of its own, which waits at most {@code timeout} (but 250 ms at
 * least, Hikari's shortest) for a connection, and whose connections wait at most {@code timeout} for a
 * statement: a slow or unreachable database fails the count quickly instead of holding the request for
 * the main pool's 5 s wait for a connection (see {@link PortfolioRateLimits} for what then).
 */
final class PostgresRateWindows implements RateWindows, AutoCloseable {

    private static final String TAKE = """
            INSERT INTO jobs.portfolio_rate_limits AS w (portfolio_id, kind, window_ends_at, requests)
            VALUES (?, ?, now() + ? * interval '1 millisecond', 1)
            ON CONFLICT (portfolio_id, kind) DO UPDATE SET
                window_ends_at = CASE WHEN w.window_ends_at <= now() THEN excluded.window_ends_at
                                      ELSE w.window_ends_at END,
                requests = CASE WHEN w.window_ends_at <= now() THEN 1 ELSE w.requests + 1 END
            RETURNING requests, ceil(extract(epoch FROM window_ends_at - now()) * 1000)::bigint
            """;

    private static final String FORGET_ENDED = "DELETE FROM jobs.portfolio_rate_limits WHERE window_ends_at < now()";

    private final HikariDataSource pool;

    /**
     * @param url the JDBC URL of the gateways' database
     * @param poolSize the connections of the pool
     * @param timeout the longest wait for a statement, and for a connection (no less than 250 ms)
     */
    PostgresRateWindows(String url, String username, String password, int poolSize, Duration timeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("rate-limits");
        config.setJdbcUrl(url);
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(Math.max(250, timeout.toMillis()));
        config.setValidationTimeout(Math.max(250, timeout.toMillis()));
        config.setConnectionInitSql("SET statement_timeout = " + timeout.toMillis());
        // A network that drops packets answers no statement_timeout: the socket gives up too.
        config.addDataSourceProperty("socketTimeout", Math.max(1, timeout.toSeconds() + 1));
        config.addDataSourceProperty("connectTimeout", Math.max(1, timeout.toSeconds() + 1));
        // Start without the database; the first request that finds it down falls back as any other.
        config.setInitializationFailTimeout(-1);
        this.pool = new HikariDataSource(config);
    }

    @Override
    public Window take(UUID portfolioId, String kind, Duration period) {
        try (Connection connection = pool.getConnection();
                PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setObject(1, portfolioId);
            take.setString(2, kind);
            take.setLong(3, period.toMillis());
            try (ResultSet window = take.executeQuery()) {
                window.next();
                return new Window(window.getLong(1), Duration.ofMillis(Math.max(0, window.getLong(2))));
            }
        } catch (SQLException ex) {
            throw new Unavailable("Could not count the request in the shared rate limit", ex);
        }
    }

    /** Deletes the windows that have ended: the next request of their portfolio starts a new one. */
    int forgetEnded() {
        try (Connection connection = pool.getConnection();
                PreparedStatement forget = connection.prepareStatement(FORGET_ENDED)) {
            return forget.executeUpdate();
        } catch (SQLException ex) {
            throw new Unavailable("Could not delete the ended rate limit windows", ex);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
