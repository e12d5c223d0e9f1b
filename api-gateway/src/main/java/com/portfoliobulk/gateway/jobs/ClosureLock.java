package com.portfoliobulk.gateway.jobs;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Keeps a job from being stored in a portfolio its close has marked closed, and lets the close count
 * an account linked while it ran. A submission holds the portfolio's closure lock shared until it
 * commits, and the close's last transaction, which marks the portfolio closed, holds it exclusively:
 * that transaction waits for the submissions under way, whose jobs the close then cancels, and a
 * submission that comes after it waits for it and is refused.
 * Submissions do not wait for each other. An advisory lock, since no row of the gateway's exists for
 * every portfolio, and the account directory's it may read but not lock. A link of an account holds it
 * shared too ({@link #holdOpen}): the close's last transaction waits for a link under way, and so sees
 * the note the link wrote for it when it linked while the close ran.
 *
 * <p>Each takes it first in its transaction, before any lock the other one takes, so the two never each
 * hold what the other waits for.
 */
@Component
public class ClosureLock {

    private final JdbcClient jdbc;

    ClosureLock(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Holds the portfolio open until the transaction ends: its close is not marked meanwhile.
     *
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException 403 when the portfolio was closed
     */
    public void keepOpen(UUID portfolioId) {
        holdOpen(portfolioId);
        // A statement after the lock: its snapshot holds a close that committed while this one waited.
        boolean closed = jdbc.sql("SELECT EXISTS (SELECT 1 FROM jobs.closed_portfolios WHERE portfolio_id = :id)")
                .param("id", portfolioId)
                .query(Boolean.class)
                .single();
        if (closed) {
            throw JobProblems.portfolioClosed(portfolioId);
        }
    }

    /**
     * Holds off the transaction that marks the portfolio closed until this one ends, as {@link #keepOpen}
     * does, without refusing a portfolio closed already: for a change that another service refuses
     * itself once the portfolio is closed (the bulk-worker's link of an account).
     */
    public void holdOpen(UUID portfolioId) {
        jdbc.sql("SELECT true FROM pg_advisory_xact_lock_shared(hashtextextended(:key, 0))")
                .param("key", key(portfolioId))
                .query(Boolean.class)
                .single();
    }

    /**
     * Waits for the portfolio's submissions under way to commit (or roll back) and holds off new ones
     * until the transaction that marks the portfolio closed ends.
     */
    public void holdForClose(UUID portfolioId) {
        jdbc.sql("SELECT true FROM pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .param("key", key(portfolioId))
                .query(Boolean.class)
                .single();
    }

    private static String key(UUID portfolioId) {
        return "portfolio-closure:" + portfolioId;
    }
}
