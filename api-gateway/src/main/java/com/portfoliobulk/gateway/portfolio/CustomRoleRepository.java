package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.portfolio.AdminModels.RoleView;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.NoRepositoryBean;
import org.springframework.data.repository.Repository;

/**
 * A custom role aggregate: one role of one portfolio, a code, a name, a description and named
 * permissions, defined, locked and deleted one at a time, and all of a portfolio's (at most {@link
 * PortfolioAdministration#MAX_CUSTOM_ROLES} of each kind) when its roles are checked. Portfolio roles
 * and account roles have a table each of this same shape and a repository each ({@link
 * PortfolioRoleRepository}, {@link AccountRoleRepository}); the statements, written once here, name the
 * table of the repository's entity. The keyset-paged role lists stay {@code JdbcClient} SQL.
 *
 * @param <R> the row of the role's table
 */
@NoRepositoryBean
interface CustomRoleRepository<R extends CustomRoleRepository.CustomRole>
        extends Repository<R, CustomRoleRepository.Key> {

    /** The portfolio's custom roles by code. */
    @Query("""
            SELECT portfolio_id, code, name, description, permissions, created_at FROM #{#qualifiedTableName}
            WHERE portfolio_id = :portfolioId ORDER BY code
            """)
    List<R> findAllOf(UUID portfolioId);

    /** The role, locked until the transaction ends. */
    @Query("""
            SELECT portfolio_id, code, name, description, permissions, created_at FROM #{#qualifiedTableName}
            WHERE portfolio_id = :portfolioId AND code = :code FOR UPDATE
            """)
    Optional<R> lock(UUID portfolioId, String code);

    /**
     * The role, kept from being deleted until the transaction ends (other transactions may keep it too):
     * a change that gives a role takes it so, and a deletion, which locks the role, waits for it and
     * then sees the role held.
     */
    @Query("""
            SELECT portfolio_id, code, name, description, permissions, created_at FROM #{#qualifiedTableName}
            WHERE portfolio_id = :portfolioId AND code = :code FOR SHARE
            """)
    Optional<R> keep(UUID portfolioId, String code);

    /**
     * Makes the role definitions of one portfolio take turns until the transaction ends, so that two
     * defined at once cannot both find a name free, nor both find room for one more role.
     */
    @Query("SELECT true FROM pg_advisory_xact_lock(:key)")
    boolean lockNames(long key);

    /** How many custom roles the portfolio has. */
    @Query("SELECT count(*) FROM #{#qualifiedTableName} WHERE portfolio_id = :portfolioId")
    long countOf(UUID portfolioId);

    /** Defines the role; false when the portfolio has a custom role with that code already. */
    @Modifying
    @Query("""
            INSERT INTO #{#qualifiedTableName} (portfolio_id, code, name, description, permissions)
            VALUES (:portfolioId, :code, :name, :description, :permissions)
            ON CONFLICT DO NOTHING
            """)
    boolean insertIfAbsent(UUID portfolioId, String code, String name, String description, String[] permissions);

    void deleteById(Key id);

    /** A custom role's identity: the portfolio and the role's code. */
    record Key(UUID portfolioId, String code) {}

    /** A row of either table, as the administration API shows it. */
    interface CustomRole {

        RoleView view();
    }
}
