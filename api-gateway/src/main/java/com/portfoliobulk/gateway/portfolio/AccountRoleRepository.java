package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.portfolio.AdminModels.RoleView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/**
 * The custom account role aggregate ({@code jobs.account_roles}): one role of one portfolio, defined,
 * locked and deleted one at a time, and all of a portfolio's (a few) when its roles are checked. The
 * keyset-paged role list stays {@code JdbcClient} SQL.
 */
interface AccountRoleRepository extends Repository<AccountRoleRepository.Row, AccountRoleRepository.Key> {

    /** The portfolio's custom roles by code. */
    @Query("""
            SELECT portfolio_id, code, name, description, permissions, created_at FROM jobs.account_roles
            WHERE portfolio_id = :portfolioId ORDER BY code
            """)
    List<Row> findAllOf(UUID portfolioId);

    /** The role, locked until the transaction ends. */
    @Query("""
            SELECT portfolio_id, code, name, description, permissions, created_at FROM jobs.account_roles
            WHERE portfolio_id = :portfolioId AND code = :code FOR UPDATE
            """)
    Optional<Row> lock(UUID portfolioId, String code);

    /** Defines the role; false when the portfolio has a custom role with that code already. */
    @Modifying
    @Query("""
            INSERT INTO jobs.account_roles (portfolio_id, code, name, description, permissions)
            VALUES (:portfolioId, :code, :name, :description, :permissions)
            ON CONFLICT DO NOTHING
            """)
    boolean insertIfAbsent(UUID portfolioId, String code, String name, String description, String[] permissions);

    void deleteById(Key id);

    /** A custom role's identity: the portfolio and the role's code. */
    record Key(UUID portfolioId, String code) {}

    /** One row of {@code jobs.account_roles}. */
    @Table(schema = "jobs", name = "account_roles")
    record Row(@Id Key id, String name, String description, List<String> permissions, Instant createdAt) {

        RoleView view() {
            return new RoleView(id.code(), name, description, permissions, true);
        }
    }
}
