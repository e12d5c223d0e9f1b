package com.portfoliobulk.audit.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.audit.AuditApplication;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An account that moved portfolios keeps its old entries, which only the old portfolio reads. The new
 * portfolio's page of its log reads its own entries alone, however many the account had before: the
 * page's statement finds them by index, not by reading the old ones and filtering them out.
 */
// The other audit-consumer tests' configuration, so that it runs in their context instead of starting one.
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class ActivityLogPlanIntegrationTests {

    private static final int OLD_ENTRIES = 20_000;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void theLastPageOfAMovedAccountsLogReadsNoneOfItsEntriesOfThePortfolioBefore() {
        UUID account = UUID.randomUUID();
        UUID before = UUID.randomUUID();
        UUID now = UUID.randomUUID();
        String plan = new TransactionTemplate(transactions).execute(tx -> {
            tx.setRollbackOnly();
            entries(account, before, OLD_ENTRIES, "interval '1 year'");
            entries(account, now, 10, "interval '1 day'");
            jdbc.sql("ANALYZE audit.activity_log").update();
            // The first page asks for more than the portfolio has: the end of its entries is reached.
            ActivityLog.Statement page = ActivityLog.statement(ActivityLogQuery.parse(now, account, null, "50", null));

            return String.join(
                    "\n",
                    jdbc.sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + page.sql())
                            .params(page.parameters())
                            .query(String.class)
                            .list());
        });

        assertThat(plan)
                .as("the plan of the page")
                .contains("Index Cond:")
                .contains("portfolio_id = ")
                .doesNotContain("Rows Removed by Filter");
    }

    private void entries(UUID account, UUID portfolio, int count, String ago) {
        jdbc.sql("""
                        INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action,
                               target_user_id, target_user_email, previous_role, new_role, initiated_from,
                               actor_user_id, actor_email, portfolio_id, job_id, task_id, summary)
                        SELECT gen_random_uuid(), gen_random_uuid(), :account,
                               now() - %s + make_interval(secs => n), 'ROLE_CHANGED', gen_random_uuid(),
                               'ann@brand.test', 'ANALYST', 'ADMIN', 'PORTFOLIO', gen_random_uuid(),
                               'admin@agency.test', :portfolio, gen_random_uuid(), gen_random_uuid(), 'changed'
                        FROM generate_series(1, :count) AS n
                        """.formatted(ago))
                .param("account", account)
                .param("portfolio", portfolio)
                .param("count", count)
                .update();
    }
}
