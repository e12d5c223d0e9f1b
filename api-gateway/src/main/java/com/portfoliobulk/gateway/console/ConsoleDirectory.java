package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.directory.MembershipColumns;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The little the console reads that the API has no endpoint for: the names of the portfolios an
 * administrator may open and of the accounts an accepted invitation opened, the addresses of the
 * users a review's form names, whether a SCIM token the API no longer answers was revoked, and (for
 * the demo sign-in) which portfolios exist and a user's id.
 */
@Repository
class ConsoleDirectory {

    private final JdbcClient jdbc;

    ConsoleDirectory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The given portfolios that exist, by name. */
    List<Portfolio> portfolios(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("SELECT id, name FROM directory.portfolios WHERE id = ANY(:ids) ORDER BY name, id")
                .param("ids", PostgresArrays.uuids(ids))
                .query((rs, row) -> new Portfolio(rs.getObject("id", UUID.class), rs.getString("name")))
                .list();
    }

    /** The ids of the first {@code limit} portfolios, oldest first. */
    List<UUID> firstPortfolioIds(int limit) {
        return jdbc.sql("SELECT id FROM directory.portfolios ORDER BY created_at, id LIMIT :limit")
                .param("limit", limit)
                .query(UUID.class)
                .list();
    }

    /** The id of the user with this e-mail address, if there is one. */
    Optional<UUID> userId(String email) {
        return jdbc.sql("SELECT id FROM directory.users WHERE email = lower(:email)")
                .param("email", email)
                .query(UUID.class)
                .optional();
    }

    /** The account's name, if it is linked to the portfolio. */
    Optional<String> accountName(UUID portfolioId, UUID accountId) {
        return jdbc.sql("SELECT name FROM directory.accounts WHERE id = :accountId AND portfolio_id = :portfolioId")
                .param("accountId", accountId)
                .param("portfolioId", portfolioId)
                .query(String.class)
                .optional();
    }

    /** The names of those of the given accounts that are linked to the portfolio, by account id. */
    Map<String, String> accountNames(UUID portfolioId, Collection<String> accountIds) {
        UUID[] ids = accountIds.stream().distinct().map(UUID::fromString).toArray(UUID[]::new);
        Map<String, String> names = new HashMap<>();
        if (ids.length > 0) {
            jdbc.sql("SELECT id, name FROM directory.accounts WHERE portfolio_id = :portfolioId AND id = ANY(:ids)")
                    .param("portfolioId", portfolioId)
                    .param("ids", PostgresArrays.uuids(ids))
                    .query(rs -> {
                        names.put(rs.getString("id"), rs.getString("name"));
                    });
        }
        return names;
    }

    /**
     * The addresses of those of the given users whom the portfolio's Users page lists (access to one of
     * its accounts, or an invitation in force), by user id.
     */
    Map<String, String> userEmails(UUID portfolioId, Collection<UUID> userIds) {
        Map<String, String> emails = new HashMap<>();
        if (!userIds.isEmpty()) {
            jdbc.sql("""
                            SELECT u.id, u.email FROM directory.users u
                            WHERE u.id = ANY(:ids)
                              AND EXISTS (SELECT 1 FROM directory.memberships m
                                          JOIN directory.accounts a ON a.id = m.account_id
                                          WHERE m.user_id = u.id AND a.portfolio_id = :portfolioId AND %s)
                            """.formatted(MembershipColumns.IN_FORCE))
                    .param("ids", PostgresArrays.uuids(userIds))
                    .param("portfolioId", portfolioId)
                    .query(rs -> {
                        emails.put(rs.getString("id"), rs.getString("email"));
                    });
        }
        return emails;
    }

    /**
     * Those of the given jobs that the portfolio has: an activity entry outlives its job, which is
     * deleted some time after it ended, and one no job made names the all-zero id.
     */
    Set<String> jobs(UUID portfolioId, Collection<String> jobIds) {
        UUID[] ids = jobIds.stream().distinct().map(UUID::fromString).toArray(UUID[]::new);
        if (ids.length == 0) {
            return Set.of();
        }
        return Set.copyOf(
                jdbc.sql("SELECT id::text FROM jobs.bulk_jobs WHERE portfolio_id = :portfolioId AND id = ANY(:ids)")
                        .param("portfolioId", portfolioId)
                        .param("ids", PostgresArrays.uuids(ids))
                        .query(String.class)
                        .list());
    }

    /**
     * The name of the portfolio's SCIM token of this id when it is revoked: the API answers no such
     * token then, as for an id the portfolio never had. Empty for a token that is not revoked too.
     */
    Optional<String> revokedScimTokenName(UUID portfolioId, UUID tokenId) {
        return jdbc.sql("SELECT name FROM jobs.scim_tokens WHERE id = :tokenId AND portfolio_id = :portfolioId"
                        + " AND revoked_at IS NOT NULL")
                .param("tokenId", tokenId)
                .param("portfolioId", portfolioId)
                .query(String.class)
                .optional();
    }

    /** Those of the given accounts that exist, by account id (whatever their portfolio). */
    Map<UUID, Account> accounts(Collection<UUID> accountIds) {
        Map<UUID, Account> accounts = new HashMap<>();
        if (!accountIds.isEmpty()) {
            jdbc.sql("SELECT id, name, portfolio_id FROM directory.accounts WHERE id = ANY(:ids)")
                    .param("ids", PostgresArrays.uuids(accountIds))
                    .query(rs -> {
                        accounts.put(
                                rs.getObject("id", UUID.class),
                                new Account(rs.getString("name"), rs.getObject("portfolio_id", UUID.class)));
                    });
        }
        return accounts;
    }

    /** A portfolio the administrator may open. */
    record Portfolio(UUID id, String name) {}

    /** An account: its name and the portfolio it is linked to. */
    record Account(String name, UUID portfolioId) {}
}
