package com.portfoliobulk.gateway.support;

import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Large finished jobs written straight to the database, for the tests of reading them back. */
public final class FinishedJobs {

    private FinishedJobs() {}

    /**
     * A completed removal job of the portfolio with {@code tasks} succeeded tasks, each on an account
     * and user of its own, addressed {@code user<n>@download.test} in task order.
     *
     * @return the job's id
     */
    public static UUID seed(JdbcClient jdbc, UUID portfolioId, int tasks) {
        UUID jobId = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded, completed_at, relay_done)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', 'COMPLETED', :user, 'admin@agency.test', :total,
                                0, :total, now(), true)
                        """)
                .param("id", jobId)
                .param("portfolio", portfolioId)
                .param("user", UUID.randomUUID())
                .param("total", tasks)
                .update();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, email, action,
                                                     status, attempts, applied_at)
                        SELECT gen_random_uuid(), :job, :portfolio, gen_random_uuid(), gen_random_uuid(),
                               'user' || g || '@download.test', 'REMOVE', 'SUCCEEDED', 1, now()
                          FROM generate_series(1, :count) AS g
                        """)
                .param("job", jobId)
                .param("portfolio", portfolioId)
                .param("count", tasks)
                .update();
        return jobId;
    }
}
