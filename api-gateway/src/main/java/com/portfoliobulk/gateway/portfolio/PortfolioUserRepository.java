package com.portfoliobulk.gateway.portfolio;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/**
 * The portfolio user aggregate ({@code jobs.portfolio_users}): one user's portfolio role, read,
 * locked (together with the administrator changing it), changed and removed one at a time. The
 * keyset-paged list of a portfolio's users, the Owner transfer's swap of two roles and the permission
 * check's read of a caller's portfolios stay set-based {@code JdbcClient} SQL.
 */
interface PortfolioUserRepository extends Repository<PortfolioUserRepository.Row, PortfolioUserRepository.Key> {

    Optional<Row> findById(Key id);

    /**
     * Those of {@code userIds} who are portfolio users, locked until the transaction ends so that a
     * check and its change see one state; locked one after the other in user id order, so that two
     * changes locking the same users (an administrator and the one they change) wait for each other
     * rather than deadlock.
     */
    @Query("""
            SELECT portfolio_id, user_id, email, role, created_at, updated_at FROM jobs.portfolio_users
            WHERE portfolio_id = :portfolioId AND user_id IN (:userIds) ORDER BY user_id FOR UPDATE
            """)
    List<Row> lockAll(UUID portfolioId, Collection<UUID> userIds);

    /** Adds the portfolio user; false when they are one already (whatever their role). */
    @Modifying
    @Query("""
            INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)
            VALUES (:portfolioId, :userId, :email, :role)
            ON CONFLICT DO NOTHING
            """)
    boolean insertIfAbsent(UUID portfolioId, UUID userId, String email, String role);

    /**
     * Gives the portfolio user the role, dated by the database's clock ({@code updated_at}): the removal of
     * deprovisioned users' roles keeps a role given after the deprovisioning by comparing the two.
     */
    @Modifying
    @Query("""
            UPDATE jobs.portfolio_users SET role = :role, updated_at = now()
            WHERE portfolio_id = :portfolioId AND user_id = :userId
            """)
    boolean changeRole(UUID portfolioId, UUID userId, String role);

    /** How many of the portfolio's users hold the role. */
    @Query("SELECT count(*) FROM jobs.portfolio_users WHERE portfolio_id = :portfolioId AND role = :role")
    long countHolders(UUID portfolioId, String role);

    void deleteById(Key id);

    /** A portfolio user's identity: the portfolio and the directory user. */
    record Key(UUID portfolioId, UUID userId) {}

    /** One row of {@code jobs.portfolio_users}. */
    @Table(schema = "jobs", name = "portfolio_users")
    record Row(@Id Key id, String email, String role, Instant createdAt, Instant updatedAt) {}
}
