package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.paging.PageRequest;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Reads the portfolios and linked accounts of the account directory. */
@Repository
public class LinkedAccounts {

    private final JdbcClient jdbc;

    LinkedAccounts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The portfolio's linked accounts ordered by name and id, starting after the account {@code
     * paging.after()} names,
     * at most {@link PageRequest#fetchSize()} of them; none when the portfolio does not exist.
     *
     * @param nameContains keep only accounts whose name contains this, ignoring case and whether an
     *     accent is sent composed or apart (both compared in NFC); {@code null} keeps all
     */
    List<LinkedAccount> page(UUID portfolioId, String nameContains, PageRequest paging) {
        Map<String, Object> params = new HashMap<>();
        params.put("portfolioId", portfolioId);
        params.put("fetch", paging.fetchSize());
        StringBuilder conditions = new StringBuilder();
        if (nameContains != null) {
            // Compared composed (NFC) on both sides, so an accent sent apart (text pasted from macOS) finds
            // the name stored with it composed, and the other way round. The filter is no index's: the
            // seek by portfolio and name (accounts_by_portfolio) stays as it was.
            conditions.append(" AND strpos(lower(normalize(a.name, NFC)), lower(:nameContains)) > 0");
            params.put("nameContains", Normalizer.normalize(nameContains, Normalizer.Form.NFC));
        }
        if (paging.after() != null) {
            // The cursor names the last account, not its name: the seek reads it again (accounts keep
            // their name and are never deleted, so also one unlinked in between).
            conditions.append(
                    " AND (a.name, a.id) > (SELECT s.name, s.id FROM directory.accounts s WHERE s.id = :afterId)");
            params.put("afterId", paging.after().item());
        }
        // The page first, then the owner and the member count of just those accounts.
        String sql = """
                WITH page AS (
                    SELECT a.id, a.name
                    FROM directory.accounts a
                    WHERE a.portfolio_id = :portfolioId%s
                    ORDER BY a.name, a.id
                    LIMIT :fetch
                )
                SELECT p.id, p.name,
                       (SELECT u.email
                        FROM directory.memberships o
                        JOIN directory.users u ON u.id = o.user_id
                        WHERE o.account_id = p.id AND o.role = 'OWNER') AS owner_email,
                       (SELECT count(*) FROM directory.memberships m
                        WHERE m.account_id = p.id AND %s) AS member_count
                FROM page p
                ORDER BY p.name, p.id
                """.formatted(conditions, MembershipColumns.IN_FORCE);
        return jdbc.sql(sql)
                .params(params)
                .query((rs, row) -> new LinkedAccount(
                        rs.getObject("id", UUID.class),
                        rs.getString("name"),
                        rs.getString("owner_email"),
                        rs.getLong("member_count")))
                .list();
    }

    /** Whether the directory holds the account, linked or not: the only accounts a cursor names. */
    boolean exists(UUID accountId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM directory.accounts WHERE id = :accountId)")
                .param("accountId", accountId)
                .query(Boolean.class)
                .single();
    }

    /**
     * Whether the account is linked to the portfolio, or was: the administration log holds a link or an
     * unlink of it (an account linked when the portfolio was set up has the unlink's only), or the Owner
     * asked to unlink it while it was linked and the log has no entry of that yet (writing it failed
     * after the bulk-worker unlinked it; the request's repeat writes it).
     */
    public boolean isOrWasLinked(UUID portfolioId, UUID accountId) {
        return jdbc.sql("""
                        SELECT EXISTS (
                                   SELECT 1 FROM directory.accounts WHERE id = :accountId AND portfolio_id = :portfolioId)
                            OR EXISTS (
                                   SELECT 1 FROM jobs.portfolio_admin_log
                                    WHERE portfolio_id = :portfolioId AND subject = :subject
                                      AND action IN ('ACCOUNT_LINKED', 'ACCOUNT_UNLINKED'))
                            OR EXISTS (
                                   SELECT 1 FROM jobs.account_unlinks_asked
                                    WHERE portfolio_id = :portfolioId AND account_id = :accountId)
                        """)
                .param("accountId", accountId)
                .param("portfolioId", portfolioId)
                .param("subject", accountId.toString())
                .query(Boolean.class)
                .single();
    }

    /** Whether the account exists and is linked to the portfolio. */
    public boolean isLinked(UUID portfolioId, UUID accountId) {
        return jdbc.sql("""
                        SELECT EXISTS (
                            SELECT 1 FROM directory.accounts WHERE id = :accountId AND portfolio_id = :portfolioId)
                        """)
                .param("accountId", accountId)
                .param("portfolioId", portfolioId)
                .query(Boolean.class)
                .single();
    }
}
