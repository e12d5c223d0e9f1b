package com.portfoliobulk.worker.retention;

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
 * The retention finds the e-mails it deletes without reading every e-mail or every pending invitation:
 * the e-mails table holds one row per invitee and job for two months and more, the pending invitations
 * may be millions, and the retention runs every hour.
 */
class InvitationMailRetentionPlanIntegrationTests extends WorkerIntegrationSupport {

    private static final int RECENT_MAILS = 20_000;

    private static final int OLD_MAILS = 2_000;

    @Autowired
    DataSource dataSource;

    @Test
    void theRetentionReadsTheOldestEndedEmailsInOrderAndLooksUpTheirPendingInvitations() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (Statement statement = db.createStatement()) {
                // A job's invitations of 20 people to 1,000 accounts, pending; e-mails of the last weeks,
                // sent, and older ones; the tables analyzed with them.
                QueryPlans.insertPendingInvitations(statement, "01a23300-0000-7000-8000-0000000e4a11");
                statement.execute("""
                        INSERT INTO directory.invitation_mails
                               (id, job_id, user_id, email, language, portfolio_id, inviter_email, token_digest,
                                status, created_at, sent_at)
                        SELECT gen_random_uuid(), gen_random_uuid(), u.id, u.email, 'en', gen_random_uuid(),
                               'admin@plan.test', encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'),
                               'SENT', now() - make_interval(mins => g), now() - make_interval(mins => g)
                          FROM generate_series(1, %d) AS g,
                               LATERAL (SELECT id, email FROM directory.users
                                         WHERE email LIKE '%%@plan.test' AND g > 0 LIMIT 1) u
                        """.formatted(RECENT_MAILS + OLD_MAILS));
                statement.execute("""
                        UPDATE directory.invitation_mails SET created_at = created_at - interval '70 days'
                         WHERE inviter_email = 'admin@plan.test'
                           AND created_at < now() - make_interval(mins => %d)
                        """.formatted(RECENT_MAILS));
                statement.execute("ANALYZE directory.memberships");
                statement.execute("ANALYZE directory.invitation_mails");
            }
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));

            String explained = jdbc.sql("EXPLAIN (FORMAT JSON) " + InvitationMailRetention.DELETE_ENDED)
                    .param(
                            "keptSeconds",
                            InvitationMailRetention.LONGEST_INVITATION
                                    .multipliedBy(2)
                                    .toSeconds())
                    .param("batch", 5_000)
                    .query(String.class)
                    .single();

            db.rollback();
            List<String> nodes = QueryPlans.nodes(explained);
            assertThat(nodes)
                    .as("the plan's nodes")
                    .contains(
                            "Index Scan using invitation_mails_ended_by_creation on invitation_mails",
                            "Index Scan using memberships_by_invitation_job on memberships")
                    .as("neither the e-mails nor the pending invitations are read whole")
                    .doesNotContain(
                            "Seq Scan on invitation_mails",
                            "Seq Scan on memberships",
                            "Bitmap Index Scan using memberships_by_expiry");
        }
    }
}
