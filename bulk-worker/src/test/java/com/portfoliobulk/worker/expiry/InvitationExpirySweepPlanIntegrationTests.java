package com.portfoliobulk.worker.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.QueryPlans;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The expiry sweep finds the expired invitations without reading the pending ones that have not
 * expired. It runs every minute; after a large invitation job, a plan that reads every pending
 * invitation and sorts the expired ones read 1,100,000 rows a minute while none had expired, and, once
 * a job's invitations expired together, again at each of the thousands of sweeps that end them.
 */
class InvitationExpirySweepPlanIntegrationTests extends WorkerIntegrationSupport {

    @Autowired
    DataSource dataSource;

    @Test
    void theSweepReadsTheExpiredInvitationsInOrderOfExpiryAndNotEveryPendingOne() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (Statement statement = db.createStatement()) {
                // A job's invitations of 20 people to 1,000 accounts, none expired (they share one expiry),
                // and the table analyzed with them.
                QueryPlans.insertPendingInvitations(statement, "01a23300-0000-7000-8000-0000000e4b1e");
                statement.execute("ANALYZE directory.memberships");
            }
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));

            String explained = jdbc.sql("EXPLAIN (FORMAT JSON) " + InvitationExpirySweep.END_EXPIRED)
                    .param("batch", InvitationExpirySweep.BATCH)
                    .query(String.class)
                    .single();

            db.rollback();
            List<String> nodes = QueryPlans.nodes(explained);
            assertThat(nodes)
                    .as("the plan's nodes")
                    .contains("Index Scan using memberships_by_expiry on memberships")
                    .as("neither the memberships table is read whole nor the invitations sorted")
                    .doesNotContain("Seq Scan on memberships", "Sort");
        }
    }
}
