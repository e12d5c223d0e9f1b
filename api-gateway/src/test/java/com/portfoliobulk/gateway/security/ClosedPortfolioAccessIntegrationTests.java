package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A closed portfolio is administered by no one, also where the identity provider's tokens carry the
 * permissions (as here): a token that still names it gets nothing there.
 */
class ClosedPortfolioAccessIntegrationTests extends GatewayIntegrationTest {

    @Test
    void aTokenNamingAClosedPortfolioGetsNothingThere() {
        DirectorySeed.Portfolio closed = directory.portfolio();
        DirectorySeed.Portfolio open = directory.portfolio();
        String jobs = "/api/v1/portfolios/" + closed.id() + "/bulk-jobs";
        assertThat(api.get(admin(closed.id()), jobs).status()).isEqualTo(200);

        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(closed.id(), UUID.randomUUID())
                .update();

        // Another gateway closed it: this one learns of it within the permission cache's time.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> api.get(admin(closed.id()), jobs).status() == 403);
        assertThat(api.post(
                                admin(closed.id()),
                                "/api/v1/portfolios/" + closed.id() + "/linked-accounts",
                                null,
                                "{\"accountId\":\"" + UUID.randomUUID() + "\"}")
                        .status())
                .isEqualTo(403);
        assertThat(api.get(admin(open.id()), "/api/v1/portfolios/" + open.id() + "/bulk-jobs")
                        .status())
                .isEqualTo(200);
    }
}
