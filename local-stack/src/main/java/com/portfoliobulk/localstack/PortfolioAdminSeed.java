package com.portfoliobulk.localstack;

import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/**
 * The demo's portfolio administration, held in the database like every portfolio's: the demo admin
 * is the Owner of every portfolio that has none yet (also of portfolios seeded before permissions
 * lived in the database), and the demo portfolio has a portfolio user with each built-in role, one
 * with the custom portfolio role {@code AUDITOR}, and the custom account role {@code REGIONAL_LEAD}.
 * Idempotent: a restart adds nothing twice and changes nothing an administrator changed.
 *
 * <p>The local stack writes as the gateway's role, which owns these tables, and reads the directory
 * with the gateway's session settings (no row-level security, no views or foreign tables that are not
 * PostgreSQL's own), so that what the gateway's or the worker's login put there runs with that role's
 * rights or fails the seed, never with the superuser's.
 */
final class PortfolioAdminSeed {

    /** The demo's portfolio users besides the Owner: the demo user number and their role. */
    static final List<Object[]> DEMO_PORTFOLIO_USERS = List.of(
            new Object[] {4, "ADMIN"},
            new Object[] {5, "USER_MANAGEMENT_EDIT"},
            new Object[] {6, "USER_MANAGEMENT_VIEW"},
            new Object[] {7, "AUDITOR"});

    private final Transactions transactions;

    /** {@code database}: the gateway's login (the local stack's), or a superuser's (tests). */
    PortfolioAdminSeed(DatabaseEndpoint database) {
        this.transactions = new Transactions(database);
    }

    /** Whether anything was added. */
    boolean seed() {
        return transactions.run(connection -> {
            // As the gateway's sessions read the worker's directory (api-gateway.yml).
            try (Statement settings = connection.createStatement()) {
                settings.execute("SET LOCAL row_security = off");
                settings.execute("SET LOCAL restrict_nonsystem_relation_kind = 'view,foreign-table'");
            }
            int added = 0;
            try (PreparedStatement owners = connection.prepareStatement("""
                    INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)
                    SELECT p.id, ?, ?, 'OWNER' FROM directory.portfolios p
                    WHERE NOT EXISTS (SELECT 1 FROM jobs.portfolio_users o WHERE o.portfolio_id = p.id AND o.role = 'OWNER')
                      AND NOT EXISTS (SELECT 1 FROM jobs.closed_portfolios c WHERE c.portfolio_id = p.id)
                    ON CONFLICT DO NOTHING
                    """)) {
                owners.setObject(1, DemoPortfolio.ADMIN_ID);
                owners.setString(2, DemoPortfolio.ADMIN_EMAIL);
                added += owners.executeUpdate();
            }
            try (PreparedStatement role = connection.prepareStatement("""
                    INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, description, permissions)
                    VALUES (?, 'AUDITOR', 'Auditor', 'Reads everything and reviews who administers the portfolio',
                            ARRAY['USER_MANAGEMENT_VIEW', 'PORTFOLIO_USERS_MANAGE'])
                    ON CONFLICT DO NOTHING
                    """)) {
                role.setObject(1, DemoPortfolio.PORTFOLIO_ID);
                added += role.executeUpdate();
            }
            try (PreparedStatement role = connection.prepareStatement("""
                    INSERT INTO jobs.account_roles (portfolio_id, code, name, description, permissions)
                    VALUES (?, 'REGIONAL_LEAD', 'Regional lead', 'Runs and reports on the campaigns of a region',
                            ARRAY['VIEW_ACCOUNT', 'VIEW_REPORTS', 'MANAGE_CAMPAIGNS'])
                    ON CONFLICT DO NOTHING
                    """)) {
                role.setObject(1, DemoPortfolio.PORTFOLIO_ID);
                added += role.executeUpdate();
            }
            try (PreparedStatement user = connection.prepareStatement("""
                    INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)
                    SELECT ?, u.id, u.email, ? FROM directory.users u WHERE u.id = ?
                    ON CONFLICT DO NOTHING
                    """)) {
                for (Object[] seeded : DEMO_PORTFOLIO_USERS) {
                    UUID userId = DemoPortfolio.userId((Integer) seeded[0]);
                    user.setObject(1, DemoPortfolio.PORTFOLIO_ID);
                    user.setString(2, (String) seeded[1]);
                    user.setObject(3, userId);
                    user.addBatch();
                }
                for (int count : user.executeBatch()) {
                    added += Math.max(count, 0);
                }
            }
            return added > 0;
        });
    }
}
