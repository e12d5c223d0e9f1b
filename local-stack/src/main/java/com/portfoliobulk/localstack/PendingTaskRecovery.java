package com.portfoliobulk.localstack;

import java.sql.ResultSet;
import java.sql.Statement;

/**
 * When the broker starts empty but the database does not (its log directory was lost or wiped), tasks
 * that were sent but not yet applied exist only in the database. Queuing them for the relay makes the
 * gateway send them again; the worker applies each task at most once, so nothing is lost
 * and nothing is applied twice. The statement is bulk-schema's {@code db/resend-pending-tasks.sql},
 * which an operator runs with psql after a restore of the database or the loss of Kafka's data, logged
 * in as the gateway's role, as the local stack does. Like the gateways' stuck-task sweep, it leaves
 * pending a task whose account already had a later task applied: sent again, it would apply that
 * account's changes out of order (README.md, runbook BulkOldestPendingTaskTooOld).
 */
final class PendingTaskRecovery {

    private final Transactions transactions;

    /** The statement on the class path (bulk-schema). */
    static final String SCRIPT = "db/resend-pending-tasks.sql";

    /**
     * @param database the login of the gateway's role, which owns {@code jobs}: the script refuses anyone
     *     else, the superuser too, whom a trigger of that role's on these tables would run as
     */
    PendingTaskRecovery(DatabaseEndpoint database) {
        this.transactions = new Transactions(database);
    }

    /**
     * Queues every sent, still pending task to be sent again, but those held back by a later applied task
     * of their account; runs before the gateway starts.
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
            try (Statement queue = connection.createStatement()) {
                // The rows the script writes: its INSERT's (its check of who runs it, BEGIN and COMMIT
                // write none).
                queue.execute(ClassPathScripts.read(SCRIPT));
                int queued = Math.max(queue.getUpdateCount(), 0);
                while (queue.getMoreResults() || queue.getUpdateCount() != -1) {
                    queued += Math.max(queue.getUpdateCount(), 0);
                }
                return queued;
            }
        });
    }
}
