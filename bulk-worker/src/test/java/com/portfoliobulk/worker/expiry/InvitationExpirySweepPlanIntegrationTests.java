package com.portfoliobulk.worker.expiry;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.worker.WorkerIntegrationSupport;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The expiry sweep finds the expired invitations without reading the pending ones that have not
 * expired. It runs every minute; after a large invitation job, a plan that reads every pending
 * invitation and sorts the expired ones read 1,100,000 rows a minute while none had expired, and, once
 * a job's invitations expired together, again at each of the thousands of sweeps that end them.
 */
class InvitationExpirySweepPlanIntegrationTests extends WorkerIntegrationSupport {

    private static final int ACCOUNTS = 1_000;

    private static final int INVITEES = 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    DataSource dataSource;

    @Test
    void theSweepReadsTheExpiredInvitationsInOrderOfExpiryAndNotEveryPendingOne() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (Statement statement = db.createStatement()) {
                // A job's invitations of 20 people to 1,000 accounts, none expired (they share one expiry),
                // and the table analyzed with them.
                statement.execute("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        SELECT gen_random_uuid(), NULL, 'Plan ' || g FROM generate_series(1, %d) AS g
                        """.formatted(ACCOUNTS));
                statement.execute("""
                        INSERT INTO directory.users (id, email)
                        SELECT gen_random_uuid(), 'plan' || g || '-' || gen_random_uuid() || '@plan.test'
                          FROM generate_series(1, %d) AS g
                        """.formatted(INVITEES));
                statement.execute("""
                        INSERT INTO directory.memberships (account_id, user_id, role, state, invited_at, expires_at,
                                                           invitation_token, invitation_job_id)
                        SELECT a.id, u.id, 'ANALYST', 'INVITED', now(), now() + interval '7 days',
                               encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'),
                               '01a23300-0000-7000-8000-0000000e4b1e'
                          FROM directory.accounts a, directory.users u
                         WHERE a.name LIKE 'Plan %' AND u.email LIKE '%@plan.test'
                        """);
                statement.execute("ANALYZE directory.memberships");
            }
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));

            String explained = jdbc.sql("EXPLAIN (FORMAT JSON) " + InvitationExpirySweep.END_EXPIRED)
                    .param("batch", InvitationExpirySweep.BATCH)
                    .query(String.class)
                    .single();

            db.rollback();
            List<String> nodes = new ArrayList<>();
            collect(JSON.readTree(explained).get(0).get("Plan"), nodes);
            assertThat(nodes)
                    .as("the plan's nodes")
                    .contains("Index Scan using memberships_by_expiry on memberships")
                    .as("neither the memberships table is read whole nor the invitations sorted")
                    .doesNotContain("Seq Scan on memberships", "Sort");
        }
    }

    /**
     * The node and every node under it, each as {@code EXPLAIN} names it in text: its type, then the
     * index it reads and the table it reads, when it reads one.
     */
    private static void collect(JsonNode node, List<String> nodes) {
        String index = node.path("Index Name").asString("");
        String relation = node.path("Relation Name").asString("");
        nodes.add(node.path("Node Type").asString()
                + (index.isEmpty() ? "" : " using " + index)
                + (relation.isEmpty() ? "" : " on " + relation));
        for (JsonNode child : node.path("Plans")) {
            collect(child, nodes);
        }
    }
}
