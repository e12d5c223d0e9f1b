package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/**
 * The invitation e-mail's link in a real headless Chromium against the started stack: the invitee
 * signs in, comes back to the invitation, accepts it with the button and is a member; accepting it
 * again shows the same access, and a link that announces nothing says to ask for a new invitation.
 */
class WebConsoleInvitationSystemTests {

    private final ServiceStack stack = TestStack.get();

    private ConsoleBrowser browser;

    @BeforeEach
    void openBrowser() {
        browser = ConsoleBrowser.open(stack.gatewayUrl());
    }

    @AfterEach
    void closeBrowser() {
        ConsoleBrowser.closeIfOpen(browser);
    }

    @Test
    void theInviteeOpensTheLinkSignsInAcceptsWithTheButtonAndIsAMember() {
        DataSource database = TestStack.database();
        TestPortfolio portfolio = TestPortfolio.seed(database, 1);
        String invitee = TestPortfolio.newEmail("invitee");
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", portfolio.id(), "OWNER");
        int submitted = RestClient.create(stack.gatewayUrl())
                .post()
                .uri("/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs")
                .headers(headers -> {
                    headers.setBearerAuth(admin);
                    headers.set("Idempotency-Key", UUID.randomUUID().toString());
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body("""
                        {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                        """.formatted(invitee, portfolio.account(0)))
                .exchange((request, response) -> response.getStatusCode().value());
        assertThat(submitted).isEqualTo(202);
        LocalMailbox mailbox = TestStack.mailbox();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !mailbox.messages(Optional.of(invitee)).isEmpty());
        Map<String, Object> mail = mailbox.messages(Optional.of(invitee)).getFirst();
        String page = "/invitations/" + mail.get("token");

        browser.go(page);
        assertThat(browser.driver().getCurrentUrl()).endsWith("/console/sign-in");
        browser.signIn(invitee, "USER_MANAGEMENT_VIEW", portfolio.id());
        browser.awaitPage("Invitation");
        assertThat(browser.driver().getCurrentUrl()).endsWith(page);
        assertThat(browser.text("#invitee")).isEqualTo(invitee);
        assertThat(states(database, invitee))
                .as("opening the link accepts nothing")
                .containsOnly("INVITED");

        browser.find("#accept").click();
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> browser.text("h1").equals("Invitation accepted"));
        assertThat(browser.text("tr.membership")).contains("Brand 1", "Analyst");
        assertThat(states(database, invitee)).containsOnly("ACTIVE");
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(JdbcClient.create(database)
                                .sql("""
                                        SELECT summary FROM audit.activity_log
                                        WHERE account_id = ? AND action = 'INVITATION_ACCEPTED' AND actor_kind = 'INVITEE'
                                        """)
                                .param(portfolio.account(0))
                                .query(String.class)
                                .list())
                        .containsExactly(invitee + " accepted the invitation and is now Analyst"));

        // Accepted again (a reload, a retry after a lost answer): the same access, not "ask for a new one".
        browser.go(page);
        browser.awaitPage("Invitation");
        browser.find("#accept").click();
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> browser.text("h1").equals("Invitation accepted"));
        assertThat(browser.text("tr.membership")).contains("Brand 1", "Analyst");

        // A link that announces nothing (revoked, or never sent).
        browser.go("/invitations/" + UUID.randomUUID().toString().replace("-", ""));
        browser.awaitPage("Invitation");
        browser.find("#accept").click();
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> !browser.findAll("#gone").isEmpty());
        assertThat(browser.text("#gone")).contains("Ask the person who invited you to send a new invitation");
    }

    private static List<String> states(DataSource database, String email) {
        return JdbcClient.create(database)
                .sql("""
                        SELECT m.state FROM directory.memberships m JOIN directory.users u ON u.id = m.user_id
                        WHERE u.email = ?
                        """)
                .param(email)
                .query(String.class)
                .list();
    }
}
