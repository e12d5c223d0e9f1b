package com.portfoliobulk.localstack;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * When the broker starts empty but the database does not (its log directory was lost or wiped), tasks
 * that were published but not yet applied exist only in the database. Marking them unpublished makes
 * the gateway's relay send them again; the worker applies each task at most once, so nothing is lost
 * and nothing is applied twice.
 */
final class PendingTaskRecovery {

    private final Transactions transactions;

    PendingTaskRecovery(DatabaseEndpoint database) {
        this.transactions = new Transactions(database);
    }

    /**
     * Marks every published, still pending task unpublished; runs before the gateway starts.
     *
     * @return how many tasks will be sent again (0 when there is no jobs schema yet)
     */
    int republishPendingTasks() {
        return transactions.run(connection -> {
            try (ResultSet exists = connection
                    .prepareStatement("SELECT to_regclass('jobs.bulk_tasks') IS NOT NULL")
                    .executeQuery()) {
                exists.next();
                if (!exists.getBoolean(1)) {
                    return 0;
                }
            }
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE jobs.bulk_tasks SET published_at = NULL WHERE status = 'PENDING' AND published_at IS NOT NULL")) {
                return update.executeUpdate();
            }
        });
    }
}
