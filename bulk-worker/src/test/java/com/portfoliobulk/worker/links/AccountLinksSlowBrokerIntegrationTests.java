package com.portfoliobulk.worker.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.doAnswer;

import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;

/**
 * A link change waits for its activity event as long as the producer goes on sending it (its
 * delivery timeout): a change that gave up earlier was rolled back while its event still reached the
 * log, which then told of an unlink that never happened.
 */
class AccountLinksSlowBrokerIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    @MockitoSpyBean
    ActivityPublisher activity;

    @Test
    void anUnlinkWhoseEventTheBrokerAcknowledgesLateIsMadeAllTheSame() {
        // Sent at once, acknowledged 11 s later (a broker whose partition leader was away meanwhile).
        doAnswer(invocation -> ((CompletableFuture<?>) invocation.callRealMethod())
                        .thenCompose(sent -> CompletableFuture.runAsync(
                                () -> {}, CompletableFuture.delayedExecutor(11, TimeUnit.SECONDS))))
                .when(activity)
                .publish(anyList());
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();

        int answered = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.internalAuthorization())
                .build()
                .post()
                .uri("/internal/portfolios/" + portfolio.id() + "/accounts/" + account.id() + "/unlink")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("userId", UUID.randomUUID().toString(), "email", "owner@agency.test"))
                .exchange((request, response) -> response.getStatusCode().value());

        assertThat(answered).isEqualTo(200);
        assertThat(jdbc.sql("SELECT portfolio_id FROM directory.accounts WHERE id = ?")
                        .param(account.id())
                        .query(UUID.class)
                        .optional())
                .isEmpty();
    }
}
