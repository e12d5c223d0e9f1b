package com.portfoliobulk.worker.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.Mockito.doAnswer;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.activity.ActivityPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;

/**
 * A link change does not wait for the broker: it is made while Kafka takes no activity event, and its
 * entry waits in the worker's outbox until Kafka takes it again. It used to wait for the broker's
 * acknowledgement inside its transaction, so a broker outage refused every link and unlink.
 */
class AccountLinksBrokerOutageIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    @MockitoSpyBean
    ActivityPublisher activity;

    @Test
    void anUnlinkIsMadeWhileTheBrokerIsAwayAndLoggedOnceWhenItIsBack() {
        AtomicBoolean away = new AtomicBoolean(true);
        doAnswer(invocation -> away.get()
                        ? CompletableFuture.failedFuture(new TimeoutException("the broker is away"))
                        : invocation.callRealMethod())
                .when(activity)
                .publish(anyList());
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();

        int answered = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.workerAuthorization())
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
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(5))
                .until(() -> linkChangesOf(List.of(account.id())).isEmpty() && waiting(account.id()) == 1);

        away.set(false);

        await().atMost(PATIENCE).until(() -> waiting(account.id()) == 0);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(linkChangesOf(List.of(account.id())))
                        .extracting(AccountActivityEvent::action)
                        .containsExactly(ActivityAction.ACCOUNT_UNLINKED));
    }

    /** The account's link changes waiting in the outbox. */
    private long waiting(UUID accountId) {
        return jdbc.sql("SELECT count(*) FROM directory.account_link_changes WHERE account_id = ?")
                .param(accountId)
                .query(Long.class)
                .single();
    }
}
