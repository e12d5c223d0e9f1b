package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.paging.PageRequest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Reads the bird's-eye view of a portfolio's users: the users with at least one membership in force
 * (active access or an invitation not expired, {@link MembershipColumns#IN_FORCE}) in a linked account,
 * each with the first of those memberships there and how many they have.
 */
@Repository
class PortfolioUsers {

    private final JdbcClient jdbc;

    PortfolioUsers(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The portfolio's users matching {@code filter}, ordered by e-mail address and id, starting after
     * the user {@code paging.after()} names, at most {@link PageRequest#fetchSize()} of them; none when the portfolio
     * does not exist. The memberships of a page are read in the same statement (one round trip per
     * page, whatever the number of users); the row beyond the limit, which only tells that another
     * page follows, comes without memberships. A user may hold thousands of memberships (an invitation
     * to every account of the portfolio), so each listed user comes with at most {@link
     * PortfolioUser#LISTED_MEMBERSHIPS} of them and their count: the rows of a page are bounded by its
     * limit, not by how widely its users are spread. The memberships the role and account filters ask
     * about are chosen first, so a user shows the membership they were found by; the chosen ones are
     * ordered by account name and id.
     */
    List<PortfolioUser> page(UUID portfolioId, UserFilter filter, PageRequest paging) {
        Map<String, Object> params = new HashMap<>();
        params.put("portfolioId", portfolioId);
        params.put("limit", paging.limit());
        params.put("fetch", paging.fetchSize());
        params.put("listedMemberships", PortfolioUser.LISTED_MEMBERSHIPS);
        List<String> membershipConditions = new ArrayList<>();
        if (filter.role() != null) {
            membershipConditions.add("m.role = :role");
            params.put("role", filter.role().code());
        }
        if (filter.accountId() != null) {
            membershipConditions.add("m.account_id = :accountId");
            params.put("accountId", filter.accountId());
        }
        String matching = String.join(" AND ", membershipConditions);
        List<String> userConditions = new ArrayList<>();
        if (filter.emailContains() != null) {
            // strpos rather than LIKE: the text is matched literally, '%' and '_' included.
            // Either form: an address stored before the rule may hold its domain in Unicode (könig@...,
            // anna@müller.de), which the xn-- form of the text no longer finds.
            userConditions.add(
                    "(strpos(u.email, lower(:emailContains)) > 0" + " OR strpos(u.email, lower(:emailSearched)) > 0)");
            params.put("emailContains", filter.emailContains().toLowerCase(Locale.ROOT));
            params.put("emailSearched", EmailAddresses.searchText(filter.emailContains()));
        }
        if (paging.after() != null) {
            // The cursor names the last user, not their address: the seek reads it again (directory
            // users keep their address and are never deleted, so also one who left the portfolio).
            userConditions.add("(u.email, u.id) > (SELECT s.email, s.id FROM directory.users s WHERE s.id = :afterId)");
            params.put("afterId", paging.after().item());
        }
        // The portfolio's (matching) users are collected from its accounts first, on purpose: the cost
        // then depends on the size of this portfolio only. Walking all users in e-mail order and
        // probing their memberships instead is quicker for the first pages of a big portfolio, but
        // reads every later user of every portfolio for a last page or a rare filter.
        String sql = """
                WITH portfolio_users AS MATERIALIZED (
                    SELECT DISTINCT m.user_id
                    FROM directory.accounts a
                    JOIN directory.memberships m ON m.account_id = a.id
                    WHERE a.portfolio_id = :portfolioId AND %s%s
                ), candidates AS (
                    SELECT u.id, u.email, u.idp_managed
                    FROM portfolio_users pu
                    JOIN directory.users u ON u.id = pu.user_id
                    %s
                    ORDER BY u.email, u.id
                    LIMIT :fetch
                ), page AS (
                    SELECT c.*, row_number() OVER (ORDER BY c.email, c.id) <= :limit AS listed
                    FROM candidates c
                )
                SELECT p.id, p.email, p.idp_managed, ms.membership_count,
                       ms.account_id, ms.account_name, ms.role, ms.state, ms.expires_at
                FROM page p
                LEFT JOIN LATERAL (
                    SELECT a.id AS account_id, a.name AS account_name, m.role, m.state, m.expires_at,
                           count(*) OVER () AS membership_count
                    FROM directory.memberships m
                    JOIN directory.accounts a ON a.id = m.account_id
                    WHERE p.listed AND m.user_id = p.id AND a.portfolio_id = :portfolioId AND %s
                    ORDER BY %s a.name, a.id
                    LIMIT :listedMemberships
                ) ms ON true
                ORDER BY p.email, p.id, ms.account_name, ms.account_id
                """.formatted(
                        MembershipColumns.IN_FORCE,
                        matching.isEmpty() ? "" : " AND " + matching,
                        userConditions.isEmpty() ? "" : "WHERE " + String.join(" AND ", userConditions),
                        MembershipColumns.IN_FORCE,
                        matching.isEmpty() ? "" : "(" + matching + ") DESC,");
        List<PortfolioUser> users = new ArrayList<>();
        UserRows rows = new UserRows(users);
        jdbc.sql(sql).params(params).query(rows::add);
        rows.finish();
        return users;
    }

    /** Whether the directory holds the user: the only users a cursor of the list names. */
    boolean exists(UUID userId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM directory.users WHERE id = :userId)")
                .param("userId", userId)
                .query(Boolean.class)
                .single();
    }

    /** Folds the rows of a page, one per (user, listed membership) in user order, into users. */
    private static final class UserRows {

        private final List<PortfolioUser> users;

        private UUID userId;

        private String email;

        private boolean idpManaged;

        private int membershipCount;

        private List<PortfolioUser.Membership> memberships;

        UserRows(List<PortfolioUser> users) {
            this.users = users;
        }

        void add(ResultSet rs) throws SQLException {
            UUID id = rs.getObject("id", UUID.class);
            if (!id.equals(userId)) {
                finish();
                userId = id;
                email = rs.getString("email");
                idpManaged = rs.getBoolean("idp_managed");
                // Every row of the user carries the count; the row beyond the limit has none (0).
                membershipCount = rs.getInt("membership_count");
                memberships = new ArrayList<>();
            }
            UUID accountId = rs.getObject("account_id", UUID.class);
            if (accountId != null) {
                MembershipState state = MembershipState.valueOf(rs.getString("state"));
                memberships.add(new PortfolioUser.Membership(
                        accountId,
                        rs.getString("account_name"),
                        new AccountRole(rs.getString("role")),
                        state,
                        MembershipColumns.expiresAt(rs, state)));
            }
        }

        void finish() {
            if (userId != null) {
                users.add(new PortfolioUser(userId, email, idpManaged, memberships, membershipCount));
                userId = null;
            }
        }
    }
}
