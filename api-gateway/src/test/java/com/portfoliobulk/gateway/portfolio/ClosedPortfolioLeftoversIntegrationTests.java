package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * What a close may leave behind counts for nothing in the closed portfolio: a portfolio user added
 * while the close ran (its delete did not see the row), and a SCIM token created meanwhile, or on a
 * gateway that still held the Owner's permissions. Here the rows are left as such a race leaves them,
 * and the portfolio is marked closed as the close's last step does.
 */
class ClosedPortfolioLeftoversIntegrationTests extends PortfolioAdministrationTest {

    @Test
    void aPortfolioUserAndAScimTokenLeftByTheCloseGetNothing() {
        String editor = storedPortfolioUser("late-editor", "USER_MANAGEMENT_EDIT");
        Answer created = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Okta\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String scimToken = created.body().path("token").asString();
        String scimUsers = "/scim/v2/portfolios/" + portfolio.id() + "/Users";
        assertThat(call(HttpMethod.GET, editor, path("/bulk-jobs"), null).status())
                .isEqualTo(200);
        assertThat(call(HttpMethod.GET, scimToken, scimUsers, null).status()).isEqualTo(200);

        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(portfolio.id(), ownerId)
                .update();

        // Within the permission cache's time (5 s).
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(call(HttpMethod.GET, editor, path("/bulk-jobs"), null)
                                .status())
                        .isEqualTo(403));
        assertThat(call(HttpMethod.GET, scimToken, scimUsers, null).status()).isEqualTo(401);
    }
}
