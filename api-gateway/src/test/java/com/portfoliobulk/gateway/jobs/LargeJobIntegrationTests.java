package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The headline load: offboarding one user from a portfolio of 100,000 linked accounts is one job of
 * 100,000 tasks, accepted in one request. The tasks are planned and inserted inside PostgreSQL
 * (INSERT ... SELECT), so the gateway never holds them in memory. The figures are logged rather than
 * asserted, to keep the test independent of the machine's load.
 */
class LargeJobIntegrationTests extends GatewayIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(LargeJobIntegrationTests.class);

    private static final int ACCOUNTS = 100_000;

    @Autowired
    MeterRegistry metrics;

    @Test
    void aHundredThousandTaskOffboardingIsAcceptedInOneRequest() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID leaver = portfolio.user("leaver");
        portfolio.generateAccountsWithMember(ACCOUNTS, leaver, AccountRole.ANALYST);
        jdbc.sql("ANALYZE directory.memberships").update();
        // A first request, so the measurement does not include warming up the web stack.
        assertThat(api.get(admin(portfolio.id()), jobsPath(portfolio.id())).status())
                .isEqualTo(200);
        Timer serverSide =
                metrics.get("bulk.job.submission").tag("type", "OFFBOARD_USERS").timer();
        double serverTotalBefore = serverSide.totalTime(TimeUnit.MILLISECONDS);

        long start = System.nanoTime();
        Answer answer = submit(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + leaver + "\"]}");
        long acceptedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        double serverMillis = serverSide.totalTime(TimeUnit.MILLISECONDS) - serverTotalBefore;
        log.info(
                "A {}-task OFFBOARD_USERS job was accepted in {} ms (HTTP round trip; server-side submission {} ms)",
                ACCOUNTS,
                acceptedMillis,
                Math.round(serverMillis));
        UUID jobId = UUID.fromString(answer.body().path("jobId").asString());
        assertThat(answer.body().path("counts").path("total").asInt()).isEqualTo(ACCOUNTS);
        assertThat(answer.body().path("counts").path("pending").asInt()).isEqualTo(ACCOUNTS);
        assertThat(jdbc.sql(
                                "SELECT count(DISTINCT account_id) FROM jobs.bulk_tasks WHERE job_id = :id AND user_id = :u")
                        .param("id", jobId)
                        .param("u", leaver)
                        .query(Long.class)
                        .single())
                .isEqualTo(ACCOUNTS);

        long relayStart = System.nanoTime();
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> unrelayed(jobId) == 0);
        long relayMillis = (System.nanoTime() - relayStart) / 1_000_000;
        log.info(
                "The relay published the {} tasks in {} ms after the 202 ({} tasks/s)",
                ACCOUNTS,
                relayMillis,
                ACCOUNTS * 1000L / Math.max(1, relayMillis));
    }

    /**
     * A portfolio that links many accounts at once and offboards someone before autovacuum analyzes
     * {@code directory.accounts}: the statistics still hold only other portfolios' accounts, so the
     * planner expects about one account of this portfolio. The plan reads the leaver's memberships once
     * whatever join order that estimate leads to, for the preview and for the submission alike; it used
     * to read all of them again for each of the portfolio's accounts (1,000 accounts: 1,000,000
     * memberships read; 100,000: the submission ran past the 120 s socket timeout and answered 503).
     */
    @Test
    void anOffboardingReadsTheLeaversMembershipsOnceWhenTheAccountsStatisticsPredateThePortfolio() {
        directory.portfolio(20);
        jdbc.sql("ANALYZE directory.accounts").update();
        int accounts = 1_000;
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID leaver = portfolio.user("leaver");
        portfolio.generateAccountsWithMember(accounts, leaver, AccountRole.ANALYST);
        jdbc.sql("ANALYZE directory.memberships").update();
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + leaver + "\"]}";

        long before = membershipsRead();
        Answer preview = api.post(admin(portfolio.id()), jobsPath(portfolio.id()) + "/preview", null, body);
        assertThat(preview.status()).as(preview.text()).isEqualTo(200);
        assertThat(preview.body().path("summary").path("changes").asLong()).isEqualTo(accounts);
        assertThat(readSince(before, accounts))
                .as("memberships read to preview the offboarding of a member of %d accounts", accounts)
                .isLessThanOrEqualTo(5L * accounts);

        before = membershipsRead();
        Answer answer = submit(portfolio.id(), body);
        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        assertThat(answer.body().path("counts").path("total").asInt()).isEqualTo(accounts);
        assertThat(readSince(before, accounts))
                .as("memberships read to submit the offboarding of a member of %d accounts", accounts)
                .isLessThanOrEqualTo(5L * accounts);
    }

    /**
     * The rows of {@code directory.memberships} read since {@code before}, once the gateway's
     * connections have reported at least {@code atLeast} of them (a connection reports its reads when
     * its transaction has ended, within a second or so).
     */
    private long readSince(long before, long atLeast) {
        return await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> membershipsRead() - before, read -> read >= atLeast);
    }

    /** The rows of {@code directory.memberships} all connections have read and reported so far. */
    private long membershipsRead() {
        return jdbc.sql("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables
                        WHERE schemaname = 'directory' AND relname = 'memberships'
                        """).query(Long.class).single();
    }
}
