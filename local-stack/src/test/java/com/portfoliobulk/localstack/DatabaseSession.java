package com.portfoliobulk.localstack;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * One database session of a service process, as {@code pg_stat_activity} shows it: the fault tests'
 * processes name their sessions after themselves ({@code ApplicationName}).
 */
record DatabaseSession(String state) {

    /** The sessions that the process has open now. */
    static List<DatabaseSession> of(DataSource database, ServiceProcess process) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement query =
                        connection.prepareStatement("SELECT state FROM pg_stat_activity WHERE application_name = ?")) {
            query.setString(1, process.name());
            List<DatabaseSession> sessions = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    sessions.add(new DatabaseSession(rows.getString("state")));
                }
            }
            return sessions;
        }
    }

    /**
     * The backend process id of a session, to tell whether another waits for it ({@link #waitsBehind}):
     * a wait for a lock alone may be a moment's wait to extend a table.
     */
    static int backendPid(Connection session) throws SQLException {
        try (PreparedStatement query = session.prepareStatement("SELECT pg_backend_pid()");
                ResultSet row = query.executeQuery()) {
            row.next();
            return row.getInt(1);
        }
    }

    /**
     * Whether one of the process's sessions waits, directly or behind other waiters, for a lock that the
     * session with this backend process id holds: the second waiter for a row waits for the first one's
     * place in the queue, not for the holder.
     */
    static boolean waitsBehind(DataSource database, ServiceProcess process, int backendPid) throws SQLException {
        Map<Integer, List<Integer>> blockers = new HashMap<>();
        Set<Integer> ofProcess = new HashSet<>();
        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT pid, application_name, pg_blocking_pids(pid) AS blocked_by FROM pg_stat_activity");
                ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                int pid = rows.getInt("pid");
                blockers.put(
                        pid, List.of((Integer[]) rows.getArray("blocked_by").getArray()));
                if (process.name().equals(rows.getString("application_name"))) {
                    ofProcess.add(pid);
                }
            }
        }
        Set<Integer> behind = new HashSet<>(Set.of(backendPid));
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Map.Entry<Integer, List<Integer>> session : blockers.entrySet()) {
                if (!behind.contains(session.getKey())
                        && session.getValue().stream().anyMatch(behind::contains)) {
                    behind.add(session.getKey());
                    grew = true;
                }
            }
        }
        return ofProcess.stream().anyMatch(pid -> pid != backendPid && behind.contains(pid));
    }

    /**
     * The session stands in an open transaction, waiting for its client's next statement: also when its
     * last statement failed (a deadlock broken by PostgreSQL, say), which leaves it {@code idle in
     * transaction (aborted)} and under the same idle-in-transaction timeout.
     */
    boolean idleInTransaction() {
        return state != null && state.startsWith("idle in transaction");
    }
}
