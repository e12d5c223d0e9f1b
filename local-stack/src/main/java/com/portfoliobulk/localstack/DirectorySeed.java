package com.portfoliobulk.localstack;

import com.portfoliobulk.localstack.DirectorySnapshot.Account;
import com.portfoliobulk.localstack.DirectorySnapshot.Membership;
import com.portfoliobulk.localstack.DirectorySnapshot.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/**
 * Writes demo and load-test data straight into the {@code directory} schema with plain JDBC. This is
 * admin tooling for local runs: the services never write the directory, except the worker applying
 * tasks. Each seed is one transaction and does nothing when its portfolio already exists. The local
 * stack seeds as the worker's role, which owns the directory: a trigger that role's login put on a
 * directory table then runs with that role's rights, not the superuser's.
 *
 * <p>A seed that wrote rows is followed by {@code ANALYZE} of the directory tables, as after any bulk
 * load: until autovacuum gets to them (a minute or more after startup), the planner would plan the
 * first jobs on tables it has no statistics for. With 5,000 x 20 seeded and none, the plan of
 * offboarding 25,000 users joined all of the portfolio's memberships and then looked up each one's
 * user by key, a million buffer reads: 670 ms to produce its 100,000 tasks instead of 250 ms.
 */
final class DirectorySeed {

    private final Transactions transactions;

    DirectorySeed(DatabaseEndpoint database) {
        this.transactions = new Transactions(database);
    }

    /** Writes the snapshot unless its portfolio exists; returns whether it wrote anything. */
    boolean seed(DirectorySnapshot snapshot) {
        return analyzedAfter(transactions.run(connection -> {
            if (!insertPortfolio(connection, snapshot.portfolioId(), snapshot.portfolioName())) {
                return false;
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, ?, ?)")) {
                for (Account account : snapshot.accounts()) {
                    insert.setObject(1, account.id());
                    insert.setObject(2, snapshot.portfolioId());
                    insert.setString(3, account.name());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO directory.users (id, email, idp_managed) VALUES (?, ?, ?)")) {
                for (User user : snapshot.users()) {
                    insert.setObject(1, user.id());
                    insert.setString(2, user.email());
                    insert.setBoolean(3, user.idpManaged());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO directory.memberships
                        (account_id, user_id, role, state, invited_at, expires_at, invitation_token, invitation_language)
                    VALUES (?, ?, ?, ?, ?, ?, encode(sha256(convert_to(CAST(? AS text), 'UTF8')), 'hex'), ?)""")) {
                for (Membership membership : snapshot.memberships()) {
                    insert.setObject(1, membership.accountId());
                    insert.setObject(2, membership.userId());
                    insert.setString(3, membership.role().code());
                    insert.setString(4, membership.state().name());
                    insert.setTimestamp(5, timestamp(membership.invitedAt()));
                    insert.setTimestamp(6, timestamp(membership.expiresAt()));
                    insert.setString(7, membership.invitationToken());
                    insert.setString(8, membership.invitationToken() == null ? null : "en");
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            return true;
        }));
    }

    /** Runs set-based SQL for a load-test portfolio unless it exists; returns whether it wrote anything. */
    boolean seed(LoadTestPortfolio portfolio) {
        return analyzedAfter(transactions.run(connection -> {
            if (!insertPortfolio(connection, portfolio.portfolioId(), portfolio.name())) {
                return false;
            }
            for (String statement : portfolio.statements()) {
                try (PreparedStatement prepared = connection.prepareStatement(statement)) {
                    prepared.execute();
                }
            }
            return true;
        }));
    }

    /** Refreshes the planner's statistics of the directory once a seed has committed rows. */
    private boolean analyzedAfter(boolean wrote) {
        if (wrote) {
            transactions.run(connection -> {
                try (PreparedStatement analyze = connection.prepareStatement(
                        "ANALYZE directory.portfolios, directory.accounts, directory.users, directory.memberships")) {
                    return analyze.execute();
                }
            });
        }
        return wrote;
    }

    private static boolean insertPortfolio(Connection connection, UUID id, String name) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO directory.portfolios (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")) {
            insert.setObject(1, id);
            insert.setString(2, name);
            return insert.executeUpdate() == 1;
        }
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
