package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A gateway without a secret key, as deployed by default (the shared context of {@link
 * GatewayIntegrationTest} has none): it sends nothing, but the events the trigger writes for the jobs
 * that end are fanned out all the same, so that they become old rows the dispatcher removes. They used
 * to stay unfanned for ever: never removed, counted in {@code bulk_webhooks_backlog} until
 * BulkWebhookBacklogGrowing fired, and sent when a key was set, however old.
 */
class WebhooksWithoutASecretKeyIntegrationTests extends GatewayIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Test
    void theEventOfAJobThatEndsIsFannedOutThoughNoKeyIsSet() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.accounts(1).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        UUID jobId = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");

        Answer cancelled = api.post(admin(portfolio.id()), jobPath(portfolio.id(), jobId) + "/cancel", null, null);

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        assertThat(jdbc.sql("SELECT type FROM jobs.webhook_events WHERE job_id = :job")
                        .param("job", jobId)
                        .query(String.class)
                        .single())
                .isEqualTo("job.cancelled");
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT fanned_out_at IS NOT NULL FROM jobs.webhook_events WHERE job_id = :job")
                        .param("job", jobId)
                        .query(Boolean.class)
                        .single());
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.webhook_deliveries WHERE job_id = :job")
                        .param("job", jobId)
                        .query(Long.class)
                        .single())
                .as("the portfolio has no subscription")
                .isZero();
    }
}
