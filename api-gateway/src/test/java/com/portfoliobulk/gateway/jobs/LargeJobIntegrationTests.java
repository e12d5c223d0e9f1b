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
}
