package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.paging.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads one user's access to every linked account of a portfolio. */
@Repository
class UserProfiles {

    private final JdbcClient jdbc;

    UserProfiles(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The user's profile with the portfolio's linked accounts ordered by name and id, starting after
     * the account {@code paging.after()} names, at most {@link PageRequest#fetchSize()} of them, in one statement. Empty
     * when the user has no membership in force ({@link MembershipColumns#IN_FORCE}) in any of the
     * portfolio's accounts: then they are not a user of this portfolio. An account where their
     * invitation expired shows no access, as one where they have none. With {@link
     * UserProfile.Listed#MEMBERSHIP}, only the accounts where the user has a membership in force.
     */
    Optional<UserProfile> find(UUID portfolioId, UUID userId, UserProfile.Listed listed, PageRequest paging) {
        Map<String, Object> params = new HashMap<>();
        params.put("portfolioId", portfolioId);
        params.put("userId", userId);
        params.put("fetch", paging.fetchSize());
        String after = "";
        if (paging.after() != null) {
            // The cursor names the last account, not its name: the seek reads it again.
            after = " AND (a.name, a.id) > (SELECT s.name, s.id FROM directory.accounts s WHERE s.id = :afterId)";
            params.put("afterId", paging.after().item());
        }
        String memberships = listed == UserProfile.Listed.MEMBERSHIP ? """

                      AND a.id IN (SELECT m.account_id FROM directory.memberships m WHERE m.user_id = :userId AND %s)""".formatted(MembershipColumns.IN_FORCE) : "";
        String sql = """
                WITH target AS (
                    SELECT u.id, u.email, u.idp_managed
                    FROM directory.users u
                    WHERE u.id = :userId
                      AND EXISTS (
                            SELECT 1
                            FROM directory.memberships m
                            JOIN directory.accounts a ON a.id = m.account_id
                            WHERE m.user_id = u.id AND a.portfolio_id = :portfolioId AND %s)
                ), page AS (
                    SELECT a.id, a.name
                    FROM directory.accounts a
                    WHERE a.portfolio_id = :portfolioId%s%s
                      AND EXISTS (SELECT 1 FROM target)
                    ORDER BY a.name, a.id
                    LIMIT :fetch
                )
                SELECT t.id, t.email, t.idp_managed,
                       p.id AS account_id, p.name AS account_name, m.role, m.state, m.expires_at
                FROM target t
                LEFT JOIN page p ON true
                LEFT JOIN directory.memberships m ON m.account_id = p.id AND m.user_id = t.id AND %s
                ORDER BY p.name, p.id
                """.formatted(MembershipColumns.IN_FORCE, after, memberships, MembershipColumns.IN_FORCE);
        List<ProfileRow> rows =
                jdbc.sql(sql).params(params).query(UserProfiles::row).list();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        ProfileRow first = rows.getFirst();
        List<UserProfile.AccountAccess> accounts =
                rows.stream().map(ProfileRow::account).filter(Objects::nonNull).toList();
        return Optional.of(new UserProfile(first.userId(), first.email(), first.idpManaged(), accounts, null));
    }

    private static ProfileRow row(ResultSet rs, int rowNum) throws SQLException {
        UUID accountId = rs.getObject("account_id", UUID.class);
        UserProfile.AccountAccess account = null;
        if (accountId != null) {
            String role = rs.getString("role");
            MembershipState state = role == null ? null : MembershipState.valueOf(rs.getString("state"));
            account = new UserProfile.AccountAccess(
                    accountId,
                    rs.getString("account_name"),
                    role == null ? null : new AccountRole(role),
                    state,
                    UserProfile.Access.of(state),
                    MembershipColumns.expiresAt(rs, state));
        }
        return new ProfileRow(
                rs.getObject("id", UUID.class), rs.getString("email"), rs.getBoolean("idp_managed"), account);
    }

    /** One row of the statement: the user, and one account or none when the page is past the end. */
    private record ProfileRow(UUID userId, String email, boolean idpManaged, UserProfile.AccountAccess account) {}
}
