package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/**
 * Invitations end to end: a portfolio administrator invites addresses through the gateway, the worker
 * applies the tasks and sends one e-mail per invitee over SMTP, and the invitee, signed in with that
 * address, accepts with the token of the link in the e-mail; revoking through the gateway kills the
 * link.
 */
class InvitationEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    private final LocalMailbox mailbox = TestStack.mailbox();

    private RestClient gateway;

    private JdbcClient directory;

    private TestPortfolio portfolio;

    private String invitee;

    @BeforeEach
    void arrange() {
        gateway = RestClient.create(stack.gatewayUrl());
        DataSource database = TestStack.database();
        directory = JdbcClient.create(database);
        portfolio = TestPortfolio.seed(database, 1);
        invitee = "invitee-" + UUID.randomUUID() + "@brand.example";
    }

    @Test
    void onlyTheInviteeAcceptsTheInvitationAndAcceptingAgainAnswersTheSameAccess() {
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", portfolio.id(), "OWNER");
        String token = inviteToTheFirstAccount(admin);
        String accept = "/api/v1/invitations/" + token + "/accept";

        int bySomeoneElse = post(someone("someone.else@brand.example"), accept, null);
        int byTheInvitee = post(someone(invitee.toUpperCase()), accept, null);
        // The e-mail's link sent again (a retry after a lost answer, a reload): the access it gave, once.
        int again = post(someone(invitee), accept, null);

        assertThat(bySomeoneElse).isEqualTo(403);
        assertThat(byTheInvitee).isEqualTo(200);
        assertThat(again).isEqualTo(200);
        assertThat(membership()).containsEntry("state", "ACTIVE").containsEntry("role", "ANALYST");
        assertThat(membership().get("invitation_token")).isNull();
    }

    /**
     * An address whose domain is typed in Unicode is invited in its ASCII (xn--, IDNA) form: one user,
     * the e-mail goes to that form, and the invitee, whose identity provider writes the domain in
     * Unicode in the token's email, accepts. The address was refused (422) as no e-mail address, and an
     * invitee invited in the xn-- form was answered 403, sent to another address.
     */
    @Test
    void anAddressWithItsDomainInUnicodeIsInvitedMailedAndAcceptedInItsXnForm() {
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", portfolio.id(), "OWNER");
        String id = UUID.randomUUID().toString();
        String typed = "Anna-" + id + "@M\u00fcller.de";
        String stored = "anna-" + id + "@xn--mller-kva.de";

        int submitted = post(admin, "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs", """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(
                        typed, portfolio.account(0)));

        assertThat(submitted).isEqualTo(202);
        Map<String, Object> mail = mailTo(stored);
        assertThat(mail.get("to")).isEqualTo(stored);
        assertThat(directory
                        .sql("SELECT email FROM directory.users WHERE strpos(email, ?) > 0")
                        .param(id)
                        .query(String.class)
                        .list())
                .containsExactly(stored);
        int accepted = post(someone(typed), "/api/v1/invitations/" + mail.get("token") + "/accept", null);
        assertThat(accepted).isEqualTo(200);
        assertThat(states(stored)).containsExactly("ACTIVE");
    }

    /**
     * Unlinking an account ends the pending invitations its portfolio made there: the link in the
     * e-mail no longer gives access to an account that left the portfolio (it may be another's by now).
     */
    @Test
    void unlinkingTheAccountEndsTheInvitationItsPortfolioMadeThere() {
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", portfolio.id(), "OWNER");
        String token = inviteToTheFirstAccount(admin);
        GatewayClient owner = new GatewayClient(stack.gatewayUrl(), admin, portfolio.id());
        assertThat(owner.call("DELETE", "/linked-accounts/" + portfolio.account(0), null)
                        .getStatusCode()
                        .value())
                .isEqualTo(204);

        int accepted = post(someone(invitee), "/api/v1/invitations/" + token + "/accept", null);

        assertThat(accepted).isEqualTo(410);
        assertThat(states(invitee)).isEmpty();
        // The account's log tells the invitation's end, before the unlink (it used to tell only the unlink,
        // and the invitation read as pending for good).
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(directory
                                .sql("SELECT action FROM audit.activity_log WHERE account_id = ?"
                                        + " ORDER BY occurred_at, entry_id")
                                .param(portfolio.account(0))
                                .query(String.class)
                                .list())
                        .containsExactly("USER_INVITED", "INVITATION_REVOKED", "ACCOUNT_UNLINKED"));
        assertThat(directory
                        .sql(
                                "SELECT summary FROM audit.activity_log WHERE account_id = ? AND action = 'INVITATION_REVOKED'")
                        .param(portfolio.account(0))
                        .query(String.class)
                        .single())
                .startsWith("Invitation of " + invitee + " (Analyst) revoked by admin@agency.example");
    }

    @Test
    void twoPeopleInvitedToThreeAccountsGetOneMailEachAndARevokeKillsTheLink() {
        TestPortfolio three = TestPortfolio.seed(TestStack.database(), 3);
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", three.id(), "OWNER");
        String ann = TestPortfolio.newEmail("ann");
        String bob = TestPortfolio.newEmail("bob");
        List<UUID> accounts = three.accounts();
        String jobs = "/api/v1/portfolios/" + three.id() + "/bulk-jobs";
        assertThat(post(admin, jobs, """
                        {"type":"INVITE_USERS","emails":["%s","%s"],"language":"de","accounts":[
                          {"accountId":"%s","role":"ANALYST"},{"accountId":"%s","role":"MANAGER"},
                          {"accountId":"%s","role":"SUPPORT"}]}
                        """.formatted(ann, bob, accounts.get(0), accounts.get(1), accounts.get(2))))
                .isEqualTo(202);

        Map<String, Object> annMail = mailTo(ann);
        Map<String, Object> bobMail = mailTo(bob);
        for (Map<String, Object> mail : List.of(annMail, bobMail)) {
            assertThat(mail.get("subject").toString()).contains("zu 3 Konto/Konten");
            assertThat(mail.get("text").toString())
                    .contains("admin@agency.example")
                    .contains("Brand 1 " + accounts.get(0) + ": Analyst")
                    .contains("Brand 2 " + accounts.get(1) + ": Manager")
                    .contains("Brand 3 " + accounts.get(2) + ": Support");
        }

        int annAccepts = post(someone(ann), "/api/v1/invitations/" + annMail.get("token") + "/accept", null);
        assertThat(annAccepts).isEqualTo(200);
        assertThat(states(ann)).containsOnly("ACTIVE").hasSize(3);

        UUID bobId = userId(bob);
        UUID annId = userId(ann);
        // The revoke's outcome is read once it has ended: ann's active access, checked before her tasks
        // are applied, would pass whatever they do to it.
        GatewayClient owner = new GatewayClient(stack.gatewayUrl(), admin, three.id());
        UUID revoke = owner.submit(
                Map.of("type", "REVOKE_INVITATIONS", "userIds", List.of(bobId, annId), "accountIds", accounts));
        assertThat(owner.awaitTerminal(revoke).get("status").asString()).isEqualTo("COMPLETED");
        Map<String, List<String>> outcomes = owner.tasks(revoke).stream()
                .collect(Collectors.groupingBy(
                        task -> task.get("userId").asString(),
                        Collectors.mapping(
                                task -> task.get("accountId").asString() + " "
                                        + task.get("status").asString() + " " + GatewayClient.text(task, "reason"),
                                Collectors.toList())));
        assertThat(outcomes.get(bobId.toString()))
                .containsExactlyInAnyOrderElementsOf(accounts.stream()
                        .map(account -> account + " SUCCEEDED null")
                        .toList());
        assertThat(outcomes.get(annId.toString()))
                .as("active access is not a pending invitation")
                .containsExactlyInAnyOrderElementsOf(accounts.stream()
                        .map(account -> account + " SKIPPED NOT_A_PENDING_INVITATION")
                        .toList());
        assertThat(states(bob)).isEmpty();
        assertThat(post(someone(bob), "/api/v1/invitations/" + bobMail.get("token") + "/accept", null))
                .as("the revoked invitation's link")
                .isEqualTo(410);
        assertThat(states(ann))
                .as("active access is not revoked")
                .containsOnly("ACTIVE")
                .hasSize(3);
        assertThat(mailbox.messages(Optional.of(ann))).hasSize(1);
        assertThat(mailbox.messages(Optional.of(bob))).hasSize(1);
    }

    @Test
    void aResendThroughTheGatewaySendsANewMailWhoseLinkReplacesTheOldOne() {
        TestPortfolio two = TestPortfolio.seed(TestStack.database(), 2);
        String admin = TestTokens.token(UUID.randomUUID(), "admin@agency.example", two.id(), "OWNER");
        String carl = TestPortfolio.newEmail("carl");
        List<UUID> accounts = two.accounts();
        String jobs = "/api/v1/portfolios/" + two.id() + "/bulk-jobs";
        assertThat(post(admin, jobs, """
                        {"type":"INVITE_USERS","emails":["%s"],"language":"fr","accounts":[
                          {"accountId":"%s","role":"ANALYST"},{"accountId":"%s","role":"SUPPORT"}]}
                        """.formatted(carl, accounts.get(0), accounts.get(1))))
                .isEqualTo(202);
        Map<String, Object> first = mailTo(carl);

        assertThat(post(admin, jobs, """
                        {"type":"RESEND_INVITATIONS","userIds":["%s"],"accountIds":["%s","%s"],"expiresInDays":14}
                        """.formatted(userId(carl), accounts.get(0), accounts.get(1))))
                .isEqualTo(202);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> mailbox.messages(Optional.of(carl)).size() == 2);
        Map<String, Object> second = mailbox.messages(Optional.of(carl)).get(1);

        assertThat(second.get("token")).isNotEqualTo(first.get("token"));
        assertThat(second.get("text").toString())
                .as("in the invitation's language")
                .contains("a invité aux comptes", "Brand 1 " + accounts.get(0), "Brand 2 " + accounts.get(1));
        assertThat(post(someone(carl), "/api/v1/invitations/" + first.get("token") + "/accept", null))
                .as("the first e-mail's link")
                .isEqualTo(410);
        assertThat(post(someone(carl), "/api/v1/invitations/" + second.get("token") + "/accept", null))
                .isEqualTo(200);
        assertThat(states(carl)).containsOnly("ACTIVE").hasSize(2);
    }

    /** Invites the invitee to the portfolio's first account as an Analyst; the token of the e-mail's link. */
    private String inviteToTheFirstAccount(String admin) {
        int submitted = post(admin, "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs", """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(
                        invitee, portfolio.account(0)));
        assertThat(submitted).isEqualTo(202);
        return mailTo(invitee).get("token").toString();
    }

    /** The one e-mail the address received, waiting for it. */
    private Map<String, Object> mailTo(String email) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !mailbox.messages(Optional.of(email)).isEmpty());
        List<Map<String, Object>> messages = mailbox.messages(Optional.of(email));
        assertThat(messages).hasSize(1);
        return messages.getFirst();
    }

    private List<String> states(String email) {
        return directory.sql("""
                        SELECT m.state FROM directory.memberships m JOIN directory.users u ON u.id = m.user_id
                        WHERE u.email = ?
                        """).param(email).query(String.class).list();
    }

    private UUID userId(String email) {
        return directory
                .sql("SELECT id FROM directory.users WHERE email = ?")
                .param(email)
                .query(UUID.class)
                .single();
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
