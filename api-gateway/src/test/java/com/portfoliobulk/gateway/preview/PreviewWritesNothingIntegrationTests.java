package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Previews of every kind leave the directory and the job store exactly as they were. */
class PreviewWritesNothingIntegrationTests extends PreviewIntegrationTest {

    @Test
    void previewsChangeNoRowOfTheDirectoryOrTheJobs() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        UUID ann = portfolio.user("ann");
        UUID bob = portfolio.user("bob");
        portfolio
                .member(alpha, ann, AccountRole.ANALYST)
                .member(beta, ann, AccountRole.OWNER)
                .invited(beta, bob, AccountRole.SUPPORT, Instant.now().plus(Duration.ofDays(2)));
        // An earlier job, fully relayed, so that the job tables hold rows of this portfolio too.
        UUID earlier = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s"],"accountIds":["%s"],"role":"MANAGER"}
                """.formatted(ann, alpha));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> unrelayed(earlier) == 0);
        String newcomer = portfolio.email("newcomer");
        List<String> bodies = List.of(
                """
                {"type":"INVITE_USERS","emails":["%s","%s"],"accounts":[{"accountId":"%s"},{"accountId":"%s"}]}
                """.formatted(newcomer, portfolio.email("bob"), alpha, beta),
                """
                {"type":"UPDATE_ROLES","assignments":[{"userId":"%s","accountId":"%s","role":"ADMIN"}]}
                """.formatted(ann, alpha),
                """
                {"type":"UPDATE_ROLES","userIds":["%s","%s"],"accountIds":["%s","%s"],"role":"ADMIN"}
                """.formatted(ann, bob, alpha, beta),
                """
                {"type":"REMOVE_ACCESS","userIds":["%s","%s"],"accountIds":["%s","%s"]}
                """.formatted(ann, bob, alpha, beta),
                """
                {"type":"OFFBOARD_USERS","userIds":["%s","%s"]}
                """.formatted(ann, bob));
        String before = checksum(portfolio);
        long[] countsBefore = counts();

        for (String body : bodies) {
            assertThat(plan(portfolio.id(), body)
                            .path("summary")
                            .path("changes")
                            .asLong())
                    .as(body)
                    .isPositive();
        }

        assertThat(checksum(portfolio)).isEqualTo(before);
        assertThat(counts()).isEqualTo(countsBefore);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = :email")
                        .param("email", newcomer)
                        .query(Long.class)
                        .single())
                .as("an invitation's preview creates no user")
                .isZero();
    }

    /** A digest of every row of the portfolio in the directory and in the job store. */
    private String checksum(DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("""
                        SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) FROM (
                            SELECT 'p' || p::text AS r FROM directory.portfolios p WHERE p.id = :p
                            UNION ALL SELECT 'a' || a::text FROM directory.accounts a WHERE a.portfolio_id = :p
                            UNION ALL SELECT 'm' || m::text FROM directory.memberships m
                                      JOIN directory.accounts a ON a.id = m.account_id WHERE a.portfolio_id = :p
                            UNION ALL SELECT 'u' || u::text FROM directory.users u WHERE u.email LIKE :emails
                            UNION ALL SELECT 'j' || j::text FROM jobs.bulk_jobs j WHERE j.portfolio_id = :p
                            UNION ALL SELECT 't' || t::text FROM jobs.bulk_tasks t WHERE t.portfolio_id = :p
                            UNION ALL SELECT 'k' || k::text FROM jobs.idempotency_keys k WHERE k.portfolio_id = :p
                        ) rows
                        """)
                .param("p", portfolio.id())
                .param("emails", "%" + portfolio.email(""))
                .query(String.class)
                .single();
    }

    /** The row counts of the directory and job tables. */
    private long[] counts() {
        return jdbc.sql("""
                        SELECT (SELECT count(*) FROM directory.portfolios), (SELECT count(*) FROM directory.accounts),
                               (SELECT count(*) FROM directory.users), (SELECT count(*) FROM directory.memberships),
                               (SELECT count(*) FROM jobs.bulk_jobs), (SELECT count(*) FROM jobs.bulk_tasks)
                        """)
                .query((row, n) -> new long[] {
                    row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5), row.getLong(6)
                })
                .single();
    }
}
