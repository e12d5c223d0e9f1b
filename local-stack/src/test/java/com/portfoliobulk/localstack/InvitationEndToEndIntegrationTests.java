package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/**
 * An invitation end to end: a portfolio administrator invites an address through the gateway, the
 * worker applies the task (an INVITED membership with a token), and the invitee, signed in with that
 * address, accepts it through the gateway.
 */
class InvitationEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    private RestClient gateway;

    private JdbcClient directory;

    private TestPortfolio portfolio;

    private String invitee;

    @BeforeEach
    void arrange() {
        gateway = RestClient.create(stack.gatewayUrl());
        DataSource database = stack.worker().getBean(DataSource.class);
        directory = JdbcClient.create(database);
        portfolio = TestPortfolio.seed(database, 1);
        invitee = "invitee-" + UUID.randomUUID() + "@brand.example";
    }

    @Test
    void theInviteeAcceptsTheInvitationOnceAndOnlyThey() {
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", portfolio.id(), "OWNER");
        int submitted = post(admin, "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs", """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(
                        invitee, portfolio.account(0)));
        assertThat(submitted).isEqualTo(202);
        String token = await().atMost(Duration.ofSeconds(60)).until(this::invitationToken, found -> found != null);
        String accept = "/api/v1/invitations/" + token + "/accept";

        int bySomeoneElse = post(someone("someone.else@brand.example"), accept, null);
        int byTheInvitee = post(someone(invitee.toUpperCase()), accept, null);
        int again = post(someone(invitee), accept, null);

        assertThat(bySomeoneElse).isEqualTo(403);
        assertThat(byTheInvitee).isEqualTo(200);
        assertThat(again).isEqualTo(410);
        assertThat(membership()).containsEntry("state", "ACTIVE").containsEntry("role", "ANALYST");
        assertThat(membership().get("invitation_token")).isNull();
    }

    private String invitationToken() {
        return directory
                .sql("""
                        SELECT m.invitation_token FROM directory.memberships m
                        JOIN directory.users u ON u.id = m.user_id
                        WHERE u.email = ? AND m.account_id = ? AND m.state = 'INVITED'
                        """)
                .params(invitee, portfolio.account(0))
                .query(String.class)
                .optional()
                .orElse(null);
    }

    private Map<String, Object> membership() {
        return directory.sql("""
                        SELECT m.state, m.role, m.invitation_token FROM directory.memberships m
                        JOIN directory.users u ON u.id = m.user_id
                        WHERE u.email = ? AND m.account_id = ?
                        """).params(invitee, portfolio.account(0)).query().singleRow();
    }

    /** A signed-in user with no portfolio permission at all. */
    private static String someone(String email) {
        return TestTokens.token(UUID.randomUUID(), email, UUID.randomUUID());
    }

    private int post(String token, String path, String body) {
        return gateway.post()
                .uri(path)
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    headers.set("Idempotency-Key", UUID.randomUUID().toString());
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body(body == null ? "" : body)
                .exchange((request, response) -> response.getStatusCode().value());
    }
}
