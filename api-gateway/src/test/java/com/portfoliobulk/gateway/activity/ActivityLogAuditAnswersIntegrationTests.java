package com.portfoliobulk.gateway.activity;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StubWorker;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.internalauth.InternalTokens;
import com.portfoliobulk.testsupport.DirectorySeed;
import org.junit.jupiter.api.Test;

/**
 * What the gateway makes of the audit-consumer's refusals: a refusal of the client's parameters
 * reaches the client as the audit-consumer worded it; any other refusal is the gateway's own trouble
 * with an internal service (its token refused, say clocks apart), so the client is told to retry
 * (503), not that its own bearer token is invalid.
 */
class ActivityLogAuditAnswersIntegrationTests extends StubbedServicesIntegrationTest {

    @Test
    void aRefusedParameterReachesTheClientAsTheAuditConsumerWordedIt() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String path = activityLog(portfolio, portfolio.account("Brand Lisbon")) + "?since=0400-01-01T00:00:00Z";

        Answer answer = api.get(viewer(portfolio.id()), path);

        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.text()).contains("'since' must be an RFC 3339 time");
        assertThat(answer.body().path("requestId").asString())
                .as("the request's id, as in every problem of the gateway")
                .isNotBlank()
                .isEqualTo(answer.header("X-Request-Id"));
    }

    @Test
    void anInternalTokenTheAuditConsumerRefusesIs503ForTheClient() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String path = activityLog(portfolio, portfolio.account("Brand Porto")) + "?since=0401-01-01T00:00:00Z";

        Answer answer = api.get(viewer(portfolio.id()), path);

        assertThat(answer.status()).as(answer.text()).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isEqualTo("5");
        assertThat(answer.text()).contains("cannot be read right now").doesNotContain("internal token");
    }

    @Test
    void anAnswerOfTheAuditConsumerIsPassedOn() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();

        Answer answer = api.get(viewer(portfolio.id()), activityLog(portfolio, portfolio.account("Brand Faro")));

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.body().path("items")).hasSize(3);
        assertThat(answer.body().path("items").path(0).path("entryId").asString())
                .isEqualTo(StubWorker.ACTIVITY_LOG_ENTRY_ID);
        assertThat(answer.body().path("nextCursor").asString()).isEqualTo(StubWorker.ACTIVITY_LOG_NEXT_CURSOR);
        assertThat(answer.text()).as("the page as it is").isEqualTo(StubWorker.activityLogPage(portfolio.id()));
    }

    /**
     * The audit-consumer is called with a token for it, signed with the secret of the gateway's link to it
     * ({@code BULK_AUDIT_TOKEN_SECRET}): the bulk-worker refuses it, with either link's secret.
     */
    @Test
    void theAuditConsumerIsCalledWithATokenForItSignedWithItsLinksSecret() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();

        Answer answer = api.get(viewer(portfolio.id()), activityLog(portfolio, portfolio.account("Brand Faro")));

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        String token = worker.activityLogAuthorization().substring("Bearer ".length());
        assertThat(InternalTokens.forAudience(InternalTokens.AUDIT_CONSUMER, AUDIT_LINK_SECRET, "audit-consumer")
                        .isValid(token))
                .as("as the audit-consumer checks it")
                .isTrue();
        assertThat(InternalTokens.forAudience(InternalTokens.AUDIT_CONSUMER, WORKER_LINK_SECRET, "audit-consumer")
                        .isValid(token))
                .as("at an audit-consumer with the secret of the link to the worker")
                .isFalse();
        for (String secret : new String[] {AUDIT_LINK_SECRET, WORKER_LINK_SECRET}) {
            assertThat(InternalTokens.forAudience(InternalTokens.BULK_WORKER, secret, "bulk-worker")
                            .isValid(token))
                    .as("at the worker")
                    .isFalse();
        }
    }

    private static String activityLog(DirectorySeed.Portfolio portfolio, java.util.UUID account) {
        return "/api/v1/portfolios/" + portfolio.id() + "/accounts/" + account + "/activity-log";
    }
}
