package com.portfoliobulk.localstack;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * When the broker starts empty but the database does not (its log directory was lost or wiped), tasks
 * that were sent but not yet applied exist only in the database. Queuing them for the relay makes the
 * gateway send them again; the worker applies each task at most once, so nothing is lost
 * and nothing is applied twice.
 */
final class PendingTaskRecovery {

    private final Transactions transactions;

    PendingTaskRecovery(DatabaseEndpoint database) {
        this.transactions = new Transactions(database);
    }

    /**
     * Queues every sent, still pending task to be sent again; runs before the gateway starts.
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
            try (PreparedStatement queue = connection.prepareStatement("""
                    INSERT INTO jobs.task_republications (task_id, seq)
                    SELECT t.id, t.seq
                      FROM jobs.bulk_jobs j
                      JOIN jobs.bulk_tasks t ON t.job_id = j.id AND t.status = 'PENDING' AND t.seq <= j.relayed_seq
                     WHERE j.status IN ('QUEUED', 'IN_PROGRESS')
                     ORDER BY t.seq
                    """)) {
                return queue.executeUpdate();
            }
        });
    }
}
