package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The identity provider drives offboarding: its SCIM deprovisioning goes through the gateway, becomes
 * an OFFBOARD_USERS job with origin SCIM, is applied by the worker through Kafka and written to each
 * account's activity log by the audit-consumer.
 */
class ScimDeprovisioningEndToEndIntegrationTests {

    private static final String ENTRA_DISABLE = """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"Replace","path":"active","value":"False"}]}""";

    private final ServiceStack stack = TestStack.get();

    private final RestClient http = RestClient.builder()
            .requestFactory(new JdkClientHttpRequestFactory())
            .build();

    @Test
    void theIdentityProviderDeactivatesItsUserInThreeHundredAccountsAndTheyHaveNoAccessAnywhere() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 300);
        String ownerToken = ownerToken(portfolio);
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), ownerToken, portfolio.id());
        GatewayActivityLog activityLog = new GatewayActivityLog(stack.gatewayUrl(), ownerToken);
        // IdP-managed: locked for administrators, changed by their identity provider.
        UserRef leaver = portfolio.addIdpManagedUser("leaver", AccountRole.ANALYST, portfolio.accounts());
        String scimToken = scimToken(portfolio.id(), ownerToken);

        JsonNode found = GatewayClient.json(scim(
                        scimToken,
                        HttpMethod.GET,
                        portfolio.id(),
                        "/Users?filter=userName%20eq%20%22" + leaver.email() + "%22",
                        null)
                .getBody());
        String userId = found.get("Resources").get(0).get("id").asString();
        ResponseEntity<String> deactivated =
                scim(scimToken, HttpMethod.PATCH, portfolio.id(), "/Users/" + userId, ENTRA_DISABLE);
        ResponseEntity<String> retried =
                scim(scimToken, HttpMethod.PATCH, portfolio.id(), "/Users/" + userId, ENTRA_DISABLE);

        assertThat(deactivated.getStatusCode().value())
                .as(deactivated.getBody())
                .isEqualTo(200);
        assertThat(retried.getStatusCode().value()).as(retried.getBody()).isEqualTo(200);
        List<JsonNode> jobs = gateway.jobs();
        assertThat(jobs).hasSize(1);
        JsonNode job = jobs.getFirst();
        assertThat(job.get("type").asString()).isEqualTo("OFFBOARD_USERS");
        assertThat(job.get("origin").asString()).isEqualTo("SCIM");
        assertThat(job.get("requestedBy").get("kind").asString()).isEqualTo("IDENTITY_PROVIDER");
        JsonNode done = gateway.awaitTerminal(UUID.fromString(job.get("jobId").asString()));
        assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(300);
        assertThat(gateway.memberships(leaver.email())).isEmpty();
        // Each account's log is read until it has its entry (the audit-consumer writes a moment after).
        Set<UUID> unread = new HashSet<>(portfolio.accounts());
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN).untilAsserted(() -> {
            unread.removeIf(account -> {
                List<JsonNode> entries = activityLog.entries(portfolio.id(), account);
                if (entries.isEmpty()) {
                    return false;
                }
                assertThat(entries).hasSize(1);
                JsonNode entry = entries.getFirst();
                assertThat(entry.get("summary").asString())
                        .isEqualTo("Access of " + leaver.email()
                                + " (Analyst) removed by your identity provider from the portfolio level");
                assertThat(entry.get("actor").get("kind").asString()).isEqualTo("IDENTITY_PROVIDER");
                assertThat(entry.get("jobId").asString())
                        .isEqualTo(job.get("jobId").asString());
                return true;
            });
            assertThat(unread).as("accounts whose log has no entry yet").isEmpty();
        });
    }

    @Test
    void anAccountOwnerIsSkippedAndACreatedUserHasNoAccessUntilInvited() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        String ownerToken = ownerToken(portfolio);
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), ownerToken, portfolio.id());
        UserRef owner = portfolio.owner(portfolio.account(0));
        portfolio.grant(owner, AccountRole.ANALYST, portfolio.account(1));
        portfolio.grant(owner, AccountRole.MANAGER, portfolio.account(2));
        String scimToken = scimToken(portfolio.id(), ownerToken);
        String newcomer = TestPortfolio.newEmail("newcomer");

        ResponseEntity<String> created =
                scim(scimToken, HttpMethod.POST, portfolio.id(), "/Users", """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","externalId":"e-1",
                 "active":true}""".formatted(newcomer));
        ResponseEntity<String> deleted =
                scim(scimToken, HttpMethod.DELETE, portfolio.id(), "/Users/" + owner.userId(), null);

        assertThat(created.getStatusCode().value()).as(created.getBody()).isEqualTo(201);
        assertThat(gateway.memberships(newcomer)).isEmpty();
        assertThat(deleted.getStatusCode().value()).as(deleted.getBody()).isEqualTo(204);
        JsonNode job = gateway.jobs().getFirst();
        JsonNode done = gateway.awaitTerminal(UUID.fromString(job.get("jobId").asString()));
        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(2);
        assertThat(done.get("counts").get("skipped").asInt()).isEqualTo(1);
        assertThat(GatewayClient.outcomes(
                        gateway.tasks(UUID.fromString(job.get("jobId").asString()))))
                .containsEntry(portfolio.account(0) + " " + owner.email(), "SKIPPED OWNER_PROTECTED");
        assertThat(gateway.memberships(owner.email())).isEqualTo(Map.of(portfolio.account(0), "OWNER"));

        // The identity provider created the user; an administrator gives them access.
        UUID invitation = gateway.submit(Map.of(
                "type",
                "INVITE_USERS",
                "emails",
                List.of(newcomer),
                "accounts",
                List.of(Map.of("accountId", portfolio.account(1).toString(), "role", "ANALYST"))));
        JsonNode invited = gateway.awaitTerminal(invitation);
        assertThat(GatewayClient.outcomes(gateway.tasks(invitation)))
                .as(invited.toString())
                .containsExactly(Map.entry(portfolio.account(1) + " " + newcomer, "SUCCEEDED"));
        assertThat(gateway.memberships(newcomer)).isEqualTo(Map.of(portfolio.account(1), "ANALYST/INVITED"));
    }

    /**
     * An identity provider that writes its user's domain in Unicode creates them with the address in its
     * ASCII (xn--) form, as invitations are sent; it finds them by the address as it has it, and a change
     * that carries it is no change of the address. The creation was refused (400 invalidValue).
     */
    @Test
    void aUserWhoseDomainIsInUnicodeIsCreatedInItsXnFormAndFoundAndChangedByIt() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 1);
        String scimToken = scimToken(portfolio.id(), ownerToken(portfolio));
        String id = UUID.randomUUID().toString();
        String typed = "J.Doe-" + id + "@B\u00fccher.example";
        String stored = "j.doe-" + id + "@xn--bcher-kva.example";

        ResponseEntity<String> created =
                scim(scimToken, HttpMethod.POST, portfolio.id(), "/Users", """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","active":true}""".formatted(typed));

        assertThat(created.getStatusCode().value()).as(created.getBody()).isEqualTo(201);
        JsonNode user = GatewayClient.json(created.getBody());
        assertThat(user.get("userName").asString()).isEqualTo(stored);
        String filter = URLEncoder.encode("userName eq \"" + typed + "\"", StandardCharsets.UTF_8)
                .replace("+", "%20");
        JsonNode found =
                GatewayClient.json(scim(scimToken, HttpMethod.GET, portfolio.id(), "/Users?filter=" + filter, null)
                        .getBody());
        assertThat(found.get("totalResults").asInt()).isEqualTo(1);
        assertThat(found.get("Resources").get(0).get("id").asString())
                .isEqualTo(user.get("id").asString());
        ResponseEntity<String> changed = scim(
                scimToken,
                HttpMethod.PATCH,
                portfolio.id(),
                "/Users/" + user.get("id").asString(),
                """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations":[{"op":"replace","value":{"userName":"%s","displayName":"J. Doe"}}]}""".formatted(typed));
        assertThat(changed.getStatusCode().value()).as(changed.getBody()).isEqualTo(200);
        assertThat(GatewayClient.json(changed.getBody()).get("displayName").asString())
                .isEqualTo("J. Doe");
        assertThat(JdbcClient.create(TestStack.database())
                        .sql("SELECT email FROM directory.users WHERE strpos(email, ?) > 0")
                        .param(id)
                        .query(String.class)
                        .list())
                .containsExactly(stored);
    }

    /**
     * A deactivation whose transaction began before the Owner unlinked one of the user's accounts and
     * linked it again (it waited for a concurrent change of the same SCIM user, held here by the test)
     * plans against the new link: its task there is applied, as on the account that stayed linked. The
     * tasks are stamped with the time the plan read the directory; they carried the transaction's start,
     * before the unlink, and the worker skipped the relinked account's as ACCOUNT_NOT_IN_PORTFOLIO,
     * leaving the user's access there.
     */
    @Test
    void aDeactivationThatWaitedWhileAnAccountWasUnlinkedAndLinkedAgainRemovesTheAccessThere() throws Exception {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UUID relinked = portfolio.account(0);
        UUID stayed = portfolio.account(1);
        String ownerToken = ownerToken(portfolio);
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), ownerToken, portfolio.id());
        UserRef leaver = portfolio.addUser("relinked-leaver", AccountRole.ANALYST, List.of(relinked, stayed));
        String scimToken = scimToken(portfolio.id(), ownerToken);
        // The identity provider's first change links the user to it.
        ResponseEntity<String> linked =
                scim(scimToken, HttpMethod.PATCH, portfolio.id(), "/Users/" + leaver.userId(), """
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                 "Operations":[{"op":"replace","path":"externalId","value":"e-relinked"}]}""");
        assertThat(linked.getStatusCode().value()).as(linked.getBody()).isEqualTo(200);

        CompletableFuture<ResponseEntity<String>> deactivation;
        try (Connection concurrentChange = TestStack.database().getConnection()) {
            // The identity provider's concurrent change of the same user, as the gateway holds it.
            concurrentChange.setAutoCommit(false);
            int holder;
            try (PreparedStatement hold = concurrentChange.prepareStatement("""
                            SELECT pg_backend_pid() FROM jobs.scim_users
                             WHERE portfolio_id = ? AND user_id = ? FOR NO KEY UPDATE""")) {
                hold.setObject(1, portfolio.id());
                hold.setObject(2, leaver.userId());
                try (ResultSet row = hold.executeQuery()) {
                    assertThat(row.next()).as("the user's SCIM row").isTrue();
                    holder = row.getInt(1);
                }
            }
            try {
                deactivation = CompletableFuture.supplyAsync(() ->
                        scim(scimToken, HttpMethod.PATCH, portfolio.id(), "/Users/" + leaver.userId(), ENTRA_DISABLE));
                await().atMost(Duration.ofSeconds(30)).until(() -> deactivation.isDone() || waitingFor(holder));
                assertThat(deactivation)
                        .as("the deactivation waited for the concurrent change")
                        .isNotDone();

                assertThat(gateway.call("DELETE", "/linked-accounts/" + relinked, null)
                                .getStatusCode()
                                .value())
                        .isEqualTo(204);
                assertThat(gateway.call("POST", "/linked-accounts", Map.of("accountId", relinked))
                                .getStatusCode()
                                .value())
                        .isEqualTo(201);
            } finally {
                concurrentChange.rollback();
                concurrentChange.setAutoCommit(true);
            }
        }

        ResponseEntity<String> deactivated = deactivation.get(1, TimeUnit.MINUTES);
        assertThat(deactivated.getStatusCode().value())
                .as(deactivated.getBody())
                .isEqualTo(200);
        JsonNode job = gateway.jobs().getFirst();
        assertThat(job.get("origin").asString()).isEqualTo("SCIM");
        UUID jobId = UUID.fromString(job.get("jobId").asString());
        gateway.awaitTerminal(jobId);
        assertThat(GatewayClient.outcomes(gateway.tasks(jobId)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        relinked + " " + leaver.email(), "SUCCEEDED",
                        stayed + " " + leaver.email(), "SUCCEEDED"));
        assertThat(gateway.memberships(leaver.email())).isEmpty();
    }

    /** Whether a session waits for the lock the session {@code holder} holds. */
    private static boolean waitingFor(int holder) {
        return JdbcClient.create(TestStack.database())
                        .sql("SELECT count(*) FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))")
                        .param(holder)
                        .query(Long.class)
                        .single()
                > 0;
    }

    private static String ownerToken(TestPortfolio portfolio) {
        UUID adminId = UUID.randomUUID();
        return TestTokens.token(adminId, "owner-" + adminId + "@agency.example", portfolio.id(), "OWNER");
    }

    private String scimToken(UUID portfolioId, String ownerToken) {
        String body = http.post()
                .uri(URI.create(stack.gatewayUrl() + "/api/v1/portfolios/" + portfolioId + "/scim-tokens"))
                .headers(headers -> headers.setBearerAuth(ownerToken))
                .contentType(MediaType.APPLICATION_JSON)
                .body("{\"name\":\"Entra ID\"}")
                .retrieve()
                .body(String.class);
        return GatewayClient.json(body).get("token").asString();
    }

    private ResponseEntity<String> scim(String token, HttpMethod method, UUID portfolioId, String path, String body) {
        return http.method(method)
                .uri(URI.create(stack.gatewayUrl() + "/scim/v2/portfolios/" + portfolioId + path))
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    if (body != null) {
                        headers.setContentType(MediaType.parseMediaType("application/scim+json"));
                    }
                })
                .body(body == null ? "" : body)
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .headers(response.getHeaders())
                        .body(response.bodyTo(String.class)));
    }
}
