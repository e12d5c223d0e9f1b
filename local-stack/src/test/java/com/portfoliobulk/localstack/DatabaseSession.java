package com.portfoliobulk.localstack;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * One database session of a service process, as {@code pg_stat_activity} shows it: the fault tests'
 * processes name their sessions after themselves ({@code ApplicationName}).
 */
record DatabaseSession(String state, List<Integer> blockedBy) {

    /** The sessions that the process has open now. */
    static List<DatabaseSession> of(DataSource database, ServiceProcess process) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT state, pg_blocking_pids(pid) AS blocked_by FROM pg_stat_activity WHERE application_name = ?")) {
            query.setString(1, process.name());
            List<DatabaseSession> sessions = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    Integer[] blockedBy =
                            (Integer[]) rows.getArray("blocked_by").getArray();
                    sessions.add(new DatabaseSession(rows.getString("state"), List.of(blockedBy)));
                }
            }
            return sessions;
        }
    }

    /**
     * The backend process id of a session, to tell whether another waits for it ({@link #waitsFor}):
     * a wait for a lock alone may be a moment's wait to extend a table.
     */
    static int backendPid(Connection session) throws SQLException {
        try (PreparedStatement query = session.prepareStatement("SELECT pg_backend_pid()");
                ResultSet row = query.executeQuery()) {
            row.next();
            return row.getInt(1);
        }
    }

    /** A statement of the session waits for a lock that the session with this backend process id holds. */
    boolean waitsFor(int backendPid) {
        return blockedBy.contains(backendPid);
    }

    /** The session stands in an open transaction, waiting for its client's next statement. */
    boolean idleInTransaction() {
        return "idle in transaction".equals(state);
    }
}
