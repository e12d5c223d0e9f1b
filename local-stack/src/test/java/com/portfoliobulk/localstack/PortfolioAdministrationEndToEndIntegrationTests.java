package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * Portfolio administration through the real path: the Portfolio Owner links and unlinks accounts
 * (written by the bulk-worker, recorded in each account's activity log by the audit-consumer), bulk
 * jobs apply a custom account role, an account unlinked while a job runs is skipped, and closing the
 * portfolio cancels its pending job, unlinks every account and revokes its SCIM tokens while the logs
 * stay.
 */
class PortfolioAdministrationEndToEndIntegrationTests {

    /** The one audience of the internal tokens of gateways of the previous version. */
    private static final String PREVIOUS_AUDIENCE = "portfolio-bulk-internal";

    private final ServiceStack stack = TestStack.get();

    private TestPortfolio portfolio;

    private GatewayClient owner;

    private JdbcClient database;

    @BeforeEach
    void arrange() {
        DataSource dataSource = TestStack.database();
        database = JdbcClient.create(dataSource);
        portfolio = TestPortfolio.seed(dataSource, 3);
        UUID ownerId = UUID.randomUUID();
        owner = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(ownerId, "owner-" + ownerId + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
    }

    @Test
    void theOwnerLinksAndUnlinksAccountsAndEachAccountsLogSaysSo() {
        UUID spare = spareAccount();

        ResponseEntity<String> linked = owner.call("POST", "/linked-accounts", Map.of("accountId", spare));
        assertThat(linked.getStatusCode().value()).as(linked.getBody()).isEqualTo(201);
        assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                        .getStatusCode()
                        .value())
                .isEqualTo(200);
        assertThat(portfolioOf(spare)).isEqualTo(portfolio.id());

        // At most one portfolio per account.
        TestPortfolio other = TestPortfolio.seed(TestStack.database(), 1);
        GatewayClient otherOwner = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(UUID.randomUUID(), "other@agency.example", other.id(), "OWNER"),
                other.id());
        assertThat(otherOwner
                        .call("POST", "/linked-accounts", Map.of("accountId", spare))
                        .getStatusCode()
                        .value())
                .isEqualTo(409);
        assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", UUID.randomUUID()))
                        .getStatusCode()
                        .value())
                .isEqualTo(422);

        assertThat(owner.call("DELETE", "/linked-accounts/" + spare, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(204);
        assertThat(owner.call("DELETE", "/linked-accounts/" + spare, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
        assertThat(portfolioOf(spare)).isNull();
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(logOf(spare)).containsExactly("ACCOUNT_LINKED", "ACCOUNT_UNLINKED"));
        // The portfolio reads the log of an account it unlinked (its own entries: those of the time the
        // account was its, the unlink's last); an account it never had stays 404.
        GatewayActivityLog api = new GatewayActivityLog(stack.gatewayUrl(), owner.token());
        List<JsonNode> entries = api.awaitEntries(portfolio.id(), spare, 2);
        assertThat(entries)
                .extracting(entry -> entry.path("action").asString())
                .containsExactly("ACCOUNT_UNLINKED", "ACCOUNT_LINKED");
        assertThat(entries.getLast().path("summary").asString())
                .startsWith("Account linked to portfolio " + portfolio.id() + " by owner-");
        assertThat(api.get(portfolio.id(), spareAccount(), "").getStatusCode().value())
                .isEqualTo(404);
        assertThat(new GatewayActivityLog(stack.gatewayUrl(), otherOwner.token())
                        .get(other.id(), spare, "")
                        .getStatusCode()
                        .value())
                .as("the other portfolio never had it")
                .isEqualTo(404);
    }

    /**
     * Each of the gateway's links has a secret of its own, which only the service at its end holds: a
     * token made with the audit-consumer's secret, or with the gateway's own, is refused by the worker
     * (401), so whoever holds the audit-consumer's environment cannot unlink another tenant's accounts;
     * nor is a token made for the audit-consumer accepted there, though signed with the worker's own
     * secret. Before, the three services shared one secret, and a token any of them made unlinked them.
     * The gateway's own calls to both go on: the Owner links an account, and its log reads.
     */
    @Test
    void onlyTheGatewaysCallsToTheWorkerUnlinkAPortfoliosAccounts() {
        String secret = "bulk.internal-auth.token-secret";
        String auditSecret = stack.audit().getEnvironment().getProperty(secret);
        String gatewaySecret = stack.gateway().getEnvironment().getProperty(secret);
        String workerSecret = stack.worker().getEnvironment().getProperty(secret);
        Map<String, String> forged = new java.util.LinkedHashMap<>();
        forged.put("the audit-consumer's secret", TestTokens.internalAuthorization(auditSecret, PREVIOUS_AUDIENCE));
        forged.put(
                "the audit-consumer's secret, for the worker",
                TestTokens.internalAuthorization(auditSecret, TestTokens.WORKER_AUDIENCE));
        forged.put("the gateway's own secret", TestTokens.internalAuthorization(gatewaySecret, PREVIOUS_AUDIENCE));
        forged.put(
                "the gateway's own secret, for the worker",
                TestTokens.internalAuthorization(gatewaySecret, TestTokens.WORKER_AUDIENCE));
        forged.put(
                "the worker's secret, for the audit-consumer",
                TestTokens.internalAuthorization(workerSecret, TestTokens.AUDIT_AUDIENCE));
        forged.put(
                "the worker's secret, for both",
                TestTokens.internalAuthorization(workerSecret, PREVIOUS_AUDIENCE, TestTokens.AUDIT_AUDIENCE));
        RestClient worker = RestClient.create(stack.workerUrl());

        forged.forEach((token, authorization) -> {
            int status = worker.post()
                    .uri("/internal/portfolios/{portfolio}/unlink-all", portfolio.id())
                    .header("Authorization", authorization)
                    .contentType(org.springframework.http.MediaType.APPLICATION_JSON)
                    .body(Map.of("userId", UUID.randomUUID().toString(), "email", "intruder@agency.example"))
                    .exchange((request, response) -> response.getStatusCode().value());
            assertThat(status).as(token).isEqualTo(401);
        });

        assertThat(database.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .as("the portfolio's accounts, all still linked")
                .isEqualTo(3L);
        UUID spare = spareAccount();
        ResponseEntity<String> linked = owner.call("POST", "/linked-accounts", Map.of("accountId", spare));
        assertThat(linked.getStatusCode().value()).as(linked.getBody()).isEqualTo(201);
        List<JsonNode> entries =
                new GatewayActivityLog(stack.gatewayUrl(), owner.token()).awaitEntries(portfolio.id(), spare, 1);
        assertThat(entries).extracting(entry -> entry.path("action").asString()).containsExactly("ACCOUNT_LINKED");
    }

    /**
     * The Owner of a portfolio the directory does not hold (by their token's claims, or one closed a
     * moment ago) links a free account: the refusal names the portfolio. It used to blame the account,
     * "accountId is not the id of an account", for an account that exists.
     */
    @Test
    void aLinkToAPortfolioTheDirectoryDoesNotHoldNamesThePortfolio() {
        UUID spare = spareAccount();
        UUID unknown = UUID.randomUUID();
        GatewayClient stranger = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(UUID.randomUUID(), "owner@elsewhere.example", unknown, "OWNER"),
                unknown);

        ResponseEntity<String> refused = stranger.call("POST", "/linked-accounts", Map.of("accountId", spare));

        assertThat(refused.getStatusCode().value()).as(refused.getBody()).isEqualTo(404);
        assertThat(refused.getBody())
                .contains("Portfolio " + unknown + " is closed, or not in the account directory")
                .doesNotContain("accountId");
        assertThat(portfolioOf(spare)).isNull();
    }

    /**
     * The worker links (and unlinks) an account, then writing the administration log's entry fails
     * (here a trigger refuses it): the client gets an error although the change is made. Its repeated
     * request (200 linked already, 404 not linked) writes the missing entry, once.
     */
    @Test
    void aLinkChangeWhoseLogEntryFailedIsLoggedWhenAskedAgain() {
        UUID spare = spareAccount();

        withAdminLogRefused(
                "ACCOUNT_LINKED",
                () -> assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                                .getStatusCode()
                                .is5xxServerError())
                        .isTrue());
        assertThat(portfolioOf(spare)).isEqualTo(portfolio.id());
        assertThat(adminLogOf(spare)).isEmpty();
        for (int i = 0; i < 2; i++) {
            assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                            .getStatusCode()
                            .value())
                    .isEqualTo(200);
        }
        assertThat(adminLogOf(spare)).containsExactly("ACCOUNT_LINKED");

        withAdminLogRefused(
                "ACCOUNT_UNLINKED",
                () -> assertThat(owner.call("DELETE", "/linked-accounts/" + spare, null)
                                .getStatusCode()
                                .is5xxServerError())
                        .isTrue());
        assertThat(portfolioOf(spare)).isNull();
        for (int i = 0; i < 2; i++) {
            assertThat(owner.call("DELETE", "/linked-accounts/" + spare, null)
                            .getStatusCode()
                            .value())
                    .isEqualTo(404);
        }
        assertThat(adminLogOf(spare)).containsExactly("ACCOUNT_UNLINKED", "ACCOUNT_LINKED");
        assertThat(owner.call("DELETE", "/linked-accounts/" + UUID.randomUUID(), null)
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
        assertThat(adminLogOf(spare)).hasSize(2);
    }

    /**
     * An account linked when the portfolio was set up has no link entry. The worker unlinks it, then
     * writing the unlink's entry fails: the repeated request (404 not linked) found no entry to go by
     * and wrote none, so nothing said that the portfolio ever had the account, and its activity log
     * answered 404 for good. The unlink asked for is recorded before the worker is called.
     */
    @Test
    void anUnlinkOfAnAccountLinkedAtSetUpWhoseEntryFailedIsLoggedWhenAskedAgain() {
        UUID account = portfolio.account(1);
        GatewayActivityLog activityLog = new GatewayActivityLog(stack.gatewayUrl(), owner.token());

        withAdminLogRefused(
                "ACCOUNT_UNLINKED",
                () -> assertThat(owner.call("DELETE", "/linked-accounts/" + account, null)
                                .getStatusCode()
                                .is5xxServerError())
                        .isTrue());
        assertThat(portfolioOf(account)).isNull();
        assertThat(adminLogOf(account)).isEmpty();
        assertThat(activityLog.get(portfolio.id(), account, "").getStatusCode().value())
                .as("the portfolio had the account, and reads its log before the unlink is asked again")
                .isEqualTo(200);

        for (int i = 0; i < 2; i++) {
            assertThat(owner.call("DELETE", "/linked-accounts/" + account, null)
                            .getStatusCode()
                            .value())
                    .isEqualTo(404);
        }
        assertThat(adminLogOf(account)).containsExactly("ACCOUNT_UNLINKED");
        assertThat(adminLogDetailsOf(account))
                .containsExactly("unlinked (recorded when asked again: this log had no entry of it)");
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(logOf(account)).containsExactly("ACCOUNT_UNLINKED"));
        assertThat(activityLog.entries(portfolio.id(), account))
                .extracting(entry -> entry.path("action").asString())
                .contains("ACCOUNT_UNLINKED");
        // An account never linked to the portfolio has no unlink to record.
        UUID spare = spareAccount();
        assertThat(owner.call("DELETE", "/linked-accounts/" + spare, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
        assertThat(adminLogOf(spare)).isEmpty();
        assertThat(activityLog.get(portfolio.id(), spare, "").getStatusCode().value())
                .isEqualTo(404);
    }

    /**
     * A link's repeat (a client's retry after a timeout, a second tab) that the worker answers "linked
     * already" while the link's own entry is still being written finds no entry yet and wrote one: the
     * log said the account was linked twice. The link's entry is slowed here by a trigger, as a busy
     * database would.
     */
    @Test
    void aLinkAndItsRepeatAtOnceAreLoggedOnce() throws Exception {
        UUID spare = spareAccount();
        database.sql("""
                        CREATE FUNCTION jobs.slow_link_entry() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF NEW.subject = '%s' AND NEW.detail = 'linked' THEN PERFORM pg_sleep(3); END IF;
                            RETURN NEW;
                        END $$;
                        CREATE TRIGGER slow_link_entry BEFORE INSERT ON jobs.portfolio_admin_log
                            FOR EACH ROW EXECUTE FUNCTION jobs.slow_link_entry();
                        """.formatted(spare)).update();
        try {
            CompletableFuture<Integer> link = CompletableFuture.supplyAsync(
                    () -> owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                            .getStatusCode()
                            .value());
            await().atMost(Duration.ofSeconds(10)).until(() -> portfolio.id().equals(portfolioOf(spare)));
            int repeat = owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                    .getStatusCode()
                    .value();

            assertThat(link.get(30, TimeUnit.SECONDS)).isEqualTo(201);
            assertThat(repeat).isEqualTo(200);
        } finally {
            database.sql("DROP FUNCTION jobs.slow_link_entry() CASCADE").update();
        }
        assertThat(adminLogOf(spare)).containsExactly("ACCOUNT_LINKED");
    }

    /** Runs {@code action} while the administration log refuses entries of {@code refused}. */
    private void withAdminLogRefused(String refused, Runnable action) {
        String trigger = "refuse_" + refused.toLowerCase(Locale.ROOT);
        database.sql("""
                        CREATE FUNCTION jobs.%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF NEW.action = '%2$s' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                            RETURN NEW;
                        END $$;
                        CREATE TRIGGER %1$s BEFORE INSERT ON jobs.portfolio_admin_log
                            FOR EACH ROW EXECUTE FUNCTION jobs.%1$s();
                        """.formatted(trigger, refused)).update();
        try {
            action.run();
        } finally {
            database.sql("DROP FUNCTION jobs.%s() CASCADE".formatted(trigger)).update();
        }
    }

    /** The administration log's actions about the account, newest first, as its API lists them. */
    private List<String> adminLogOf(UUID account) {
        return adminLog(account, "action");
    }

    /** The administration log's details of entries about the account, newest first. */
    private List<String> adminLogDetailsOf(UUID account) {
        return adminLog(account, "detail");
    }

    private List<String> adminLog(UUID account, String field) {
        ResponseEntity<String> page = owner.call("GET", "/admin-log?limit=100", null);
        assertThat(page.getStatusCode().value()).as(page.getBody()).isEqualTo(200);
        List<String> actions = new ArrayList<>();
        for (JsonNode entry : GatewayClient.json(page.getBody()).path("items")) {
            if (entry.path("subject").asString().equals(account.toString())) {
                actions.add(entry.path(field).asString());
            }
        }
        return actions;
    }

    @Test
    void anAccountUnlinkedWhileAJobRunsIsSkippedAndKeepsItsUsers() {
        UUID a0 = portfolio.account(0);
        UUID a1 = portfolio.account(1);
        UserRef ivy = portfolio.addUser("ivy", AccountRole.ANALYST, List.of(a0, a1));
        List<MessageListenerContainer> listeners = List.copyOf(
                stack.worker().getBean(KafkaListenerEndpointRegistry.class).getListenerContainers());
        listeners.forEach(MessageListenerContainer::pause);
        try {
            await().atMost(GatewayClient.JOB_DONE_WITHIN)
                    .until(() -> listeners.stream().allMatch(MessageListenerContainer::isContainerPaused));
            UUID job = owner.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(ivy.userId())));
            assertThat(owner.call("DELETE", "/linked-accounts/" + a1, null)
                            .getStatusCode()
                            .value())
                    .isEqualTo(204);
            listeners.forEach(MessageListenerContainer::resume);

            JsonNode done = owner.awaitTerminal(job);
            assertThat(done.get("status").asString()).isEqualTo("COMPLETED");
            assertThat(GatewayClient.outcomes(owner.tasks(job)))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(
                            a0 + " " + ivy.email(), "SUCCEEDED",
                            a1 + " " + ivy.email(), "SKIPPED ACCOUNT_NOT_IN_PORTFOLIO"));
            // Unlinking leaves the account's own users as they were.
            assertThat(database.sql("SELECT role FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                            .params(a1, ivy.userId())
                            .query(String.class)
                            .single())
                    .isEqualTo("ANALYST");
            await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                    .untilAsserted(() -> assertThat(logOf(a1)).containsExactly("ACCOUNT_UNLINKED"));
            // An account linked when the portfolio was set up, not through the API: its unlink is in the
            // administration log all the same, and the portfolio still reads the account's activity log.
            assertThat(adminLogOf(a1)).containsExactly("ACCOUNT_UNLINKED");
            assertThat(new GatewayActivityLog(stack.gatewayUrl(), owner.token()).entries(portfolio.id(), a1))
                    .extracting(entry -> entry.path("action").asString())
                    .contains("ACCOUNT_UNLINKED");
        } finally {
            listeners.forEach(MessageListenerContainer::resume);
        }
    }

    /**
     * A role change whose submission read the account as linked, then waited before storing its tasks
     * (for a concurrent submission's Idempotency-Key, held here by the test) while the Owner unlinked the
     * account and linked it again, was planned under the link that ended: the worker skips it as
     * ACCOUNT_NOT_IN_PORTFOLIO. Its tasks carried the time they were stored, after the link again, and
     * changed the role under the new link.
     */
    @Test
    void aRoleChangeCheckedBeforeAnUnlinkAndStoredAfterALinkAgainIsSkipped() throws Exception {
        UUID a0 = portfolio.account(0);
        UUID a1 = portfolio.account(1);
        UserRef ivy = portfolio.addUser("ivy", AccountRole.ANALYST, List.of(a0, a1));
        String key = UUID.randomUUID().toString();
        CompletableFuture<ResponseEntity<String>> submission;
        try (Connection concurrent = TestStack.database().getConnection()) {
            // The concurrent submission with the same key, its job and key stored but not committed.
            concurrent.setAutoCommit(false);
            UUID heldJob = UUID.randomUUID();
            try (PreparedStatement job = concurrent.prepareStatement("""
                            INSERT INTO jobs.bulk_jobs
                                (id, portfolio_id, type, status, requested_by_user_id, requested_by_email, total,
                                 pending)
                            VALUES (?, ?, 'UPDATE_ROLES', 'QUEUED', ?, 'concurrent@agency.example', 0, 0)
                            """);
                    PreparedStatement held = concurrent.prepareStatement("""
                            INSERT INTO jobs.idempotency_keys (portfolio_id, key, request_hash, job_id)
                            VALUES (?, ?, 'concurrent', ?)
                            """)) {
                job.setObject(1, heldJob);
                job.setObject(2, portfolio.id());
                job.setObject(3, UUID.randomUUID());
                job.executeUpdate();
                held.setObject(1, portfolio.id());
                held.setString(2, key);
                held.setObject(3, heldJob);
                held.executeUpdate();
            }
            try {
                submission = CompletableFuture.supplyAsync(() -> owner.submit(
                        Map.of(
                                "type",
                                "UPDATE_ROLES",
                                "userIds",
                                List.of(ivy.userId()),
                                "accountIds",
                                List.of(a0, a1),
                                "role",
                                "CONTENT_CREATOR"),
                        key));
                // Checked, and waiting to store its key and tasks.
                LockWaits.awaitLockWait(
                        TestStack.database(), "INSERT INTO jobs.idempotency_keys", Duration.ofSeconds(30));

                assertThat(owner.call("DELETE", "/linked-accounts/" + a1, null)
                                .getStatusCode()
                                .value())
                        .isEqualTo(204);
                assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", a1))
                                .getStatusCode()
                                .value())
                        .isEqualTo(201);
            } finally {
                concurrent.rollback();
                concurrent.setAutoCommit(true);
            }
        }

        ResponseEntity<String> submitted = submission.get(1, TimeUnit.MINUTES);
        assertThat(submitted.getStatusCode().value()).as(submitted.getBody()).isEqualTo(202);
        UUID job = UUID.fromString(
                GatewayClient.json(submitted.getBody()).get("jobId").asString());
        assertThat(owner.awaitTerminal(job).get("status").asString()).isEqualTo("COMPLETED");
        assertThat(GatewayClient.outcomes(owner.tasks(job)))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        a0 + " " + ivy.email(), "SUCCEEDED",
                        a1 + " " + ivy.email(), "SKIPPED ACCOUNT_NOT_IN_PORTFOLIO"));
        assertThat(owner.memberships(ivy.email())).isEqualTo(Map.of(a0, "CONTENT_CREATOR", a1, "ANALYST"));
    }

    @Test
    void bulkJobsInviteAndReRoleWithACustomAccountRole() {
        UUID a0 = portfolio.account(0);
        UUID a1 = portfolio.account(1);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, List.of(a0));
        ResponseEntity<String> defined = owner.call(
                "POST",
                "/account-roles",
                Map.of(
                        "code", "REGIONAL_LEAD",
                        "name", "Area director",
                        "description", "Runs the campaigns of a region",
                        "permissions", List.of("VIEW_ACCOUNT", "MANAGE_CAMPAIGNS")));
        assertThat(defined.getStatusCode().value()).as(defined.getBody()).isEqualTo(201);
        String newcomer = TestPortfolio.newEmail("newcomer");

        UUID invite = owner.submit(Map.of(
                "type",
                "INVITE_USERS",
                "emails",
                List.of(newcomer),
                "accounts",
                List.of(Map.of("accountId", a1, "role", "regional_lead"))));
        UUID change = owner.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                List.of(ann.userId()),
                "accountIds",
                List.of(a0),
                "role",
                "REGIONAL_LEAD"));
        assertThat(owner.awaitTerminal(invite).get("status").asString()).isEqualTo("COMPLETED");
        assertThat(owner.awaitTerminal(change).get("status").asString()).isEqualTo("COMPLETED");

        assertThat(owner.memberships(newcomer)).containsExactlyEntriesOf(Map.of(a1, "REGIONAL_LEAD/INVITED"));
        assertThat(owner.memberships(ann.email())).containsExactlyEntriesOf(Map.of(a0, "REGIONAL_LEAD"));
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(database.sql(
                                        "SELECT summary FROM audit.activity_log WHERE account_id = ? AND job_id = ?")
                                .params(a0, change)
                                .query(String.class)
                                .list())
                        .singleElement()
                        .asString()
                        .as("the role as the portfolio named it, not its code in words")
                        .contains("from Analyst to Area director"));

        ResponseEntity<String> inUse = owner.call("DELETE", "/account-roles/REGIONAL_LEAD", null);
        assertThat(inUse.getStatusCode().value()).isEqualTo(409);
        assertThat(GatewayClient.json(inUse.getBody()).get("detail").asString()).contains("held by 2 membership(s)");
    }

    /**
     * A custom account role held only by an account the portfolio unlinked is deleted (its memberships are
     * not the portfolio's any more); linking the account back is then refused, naming the role and how
     * many memberships hold it, until the portfolio defines the role again. Before, the link answered 201
     * and the account's users held a code the portfolio no longer defined: a role defined later with that
     * code, whatever its permissions, would have been theirs.
     */
    @Test
    void anAccountWhoseUsersHoldARoleThePortfolioDeletedIsLinkedOnlyOnceItIsDefinedAgain() {
        UUID a1 = portfolio.account(1);
        defineAccountRole("AREA_LEAD", "Area lead");
        UserRef ivy = portfolio.addUser("ivy", new AccountRole("AREA_LEAD"), List.of(a1));
        assertThat(owner.call("DELETE", "/account-roles/AREA_LEAD", null)
                        .getStatusCode()
                        .value())
                .as("held by ivy's membership")
                .isEqualTo(409);
        assertThat(owner.call("DELETE", "/linked-accounts/" + a1, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(204);
        assertThat(owner.call("DELETE", "/account-roles/AREA_LEAD", null)
                        .getStatusCode()
                        .value())
                .isEqualTo(204);

        ResponseEntity<String> refused = owner.call("POST", "/linked-accounts", Map.of("accountId", a1));

        assertThat(refused.getStatusCode().value()).as(refused.getBody()).isEqualTo(409);
        JsonNode problem = GatewayClient.json(refused.getBody());
        assertThat(problem.path("title").asString()).isEqualTo("Account roles not defined");
        assertThat(problem.path("detail").asString())
                .isEqualTo("Account " + a1 + " was not linked: its users hold account roles this portfolio does not"
                        + " define: AREA_LEAD (held by 1 membership). Define these custom account roles in the"
                        + " portfolio first, or have the account's users' roles changed before linking.");
        assertThat(portfolioOf(a1)).isNull();
        assertThat(adminLogOf(a1)).containsExactly("ACCOUNT_UNLINKED");

        defineAccountRole("AREA_LEAD", "Area lead");
        ResponseEntity<String> linked = owner.call("POST", "/linked-accounts", Map.of("accountId", a1));
        assertThat(linked.getStatusCode().value()).as(linked.getBody()).isEqualTo(201);
        assertThat(owner.memberships(ivy.email())).containsExactlyEntriesOf(Map.of(a1, "AREA_LEAD"));
    }

    /**
     * An Admin deletes a custom account role held only by an unlinked account's users: the deletion finds
     * no membership of the portfolio's accounts holding it, and is then held before it deletes (a trigger
     * here, as a busy database would) while the Owner links the account back. The link waits for the
     * deletion, then finds the role gone: 409 naming it, and the account stays unlinked. Before, the link
     * committed while the deletion was under way (201, and 204 for the deletion), and the account's users
     * held a role the portfolio no longer defined.
     */
    @Test
    void aLinkWhileTheRoleItsUsersHoldIsBeingDeletedWaitsAndIsRefused() throws Exception {
        UUID a1 = anUnlinkedAccountWhoseUserHoldsAreaLead();
        long lockKey = a1.getMostSignificantBits();
        database.sql("""
                        CREATE FUNCTION jobs.held_role_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF OLD.portfolio_id = '%s' THEN PERFORM pg_advisory_xact_lock(%d); END IF;
                            RETURN OLD;
                        END $$;
                        CREATE TRIGGER held_role_deletion BEFORE DELETE ON jobs.account_roles
                            FOR EACH ROW EXECUTE FUNCTION jobs.held_role_deletion();
                        """.formatted(portfolio.id(), lockKey)).update();
        CompletableFuture<ResponseEntity<String>> deletion;
        CompletableFuture<ResponseEntity<String>> link;
        try (Connection holder = TestStack.database().getConnection()) {
            try (Statement hold = holder.createStatement()) {
                hold.execute("SELECT pg_advisory_lock(" + lockKey + ")");
            }
            deletion = CompletableFuture.supplyAsync(() -> owner.call("DELETE", "/account-roles/AREA_LEAD", null));
            // Counted, and held as it deletes the role.
            LockWaits.awaitLockWait(
                    TestStack.database(),
                    "the role's deletion",
                    waiting -> waiting.query().contains("DELETE")
                            && waiting.query().contains("account_roles"),
                    Duration.ofSeconds(30));
            link = CompletableFuture.supplyAsync(() -> owner.call("POST", "/linked-accounts", Map.of("accountId", a1)));
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            link.isDone() || LockWaits.anyIn(TestStack.database(), "pg_advisory_xact_lock_shared"));
            try (Statement release = holder.createStatement()) {
                release.execute("SELECT pg_advisory_unlock(" + lockKey + ")");
            }
            assertThat(deletion.get(30, TimeUnit.SECONDS).getStatusCode().value())
                    .isEqualTo(204);
        } finally {
            database.sql("DROP FUNCTION jobs.held_role_deletion() CASCADE").update();
        }

        ResponseEntity<String> refused = link.get(30, TimeUnit.SECONDS);
        assertThat(refused.getStatusCode().value()).as(refused.getBody()).isEqualTo(409);
        assertThat(GatewayClient.json(refused.getBody()).path("detail").asString())
                .contains("AREA_LEAD (held by 1 membership)");
        assertThat(portfolioOf(a1)).isNull();
    }

    /**
     * The Owner links back an unlinked account whose users hold a custom account role, and the link is
     * held before it writes the account (a trigger here); meanwhile an Admin deletes the role. The deletion
     * waits for the link, then counts the account's membership: 409, and the role stays. Before, it found
     * no membership (the account was not linked yet), deleted the role (204), and the link then committed
     * the account with a role the portfolio no longer defined.
     */
    @Test
    void aRoleDeletionWhileALinkOfAnAccountHoldingItIsUnderWayWaitsAndCountsIt() throws Exception {
        UUID a1 = anUnlinkedAccountWhoseUserHoldsAreaLead();
        long lockKey = a1.getMostSignificantBits();
        database.sql("""
                        CREATE FUNCTION directory.held_link_back() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF NEW.id = '%s' AND NEW.portfolio_id IS NOT NULL THEN
                                PERFORM pg_advisory_xact_lock(%d);
                            END IF;
                            RETURN NEW;
                        END $$;
                        CREATE TRIGGER held_link_back BEFORE UPDATE ON directory.accounts
                            FOR EACH ROW EXECUTE FUNCTION directory.held_link_back();
                        """.formatted(a1, lockKey)).update();
        CompletableFuture<ResponseEntity<String>> link;
        CompletableFuture<ResponseEntity<String>> deletion;
        try (Connection holder = TestStack.database().getConnection()) {
            try (Statement hold = holder.createStatement()) {
                hold.execute("SELECT pg_advisory_lock(" + lockKey + ")");
            }
            link = CompletableFuture.supplyAsync(() -> owner.call("POST", "/linked-accounts", Map.of("accountId", a1)));
            LockWaits.awaitLockWait(
                    TestStack.database(), "UPDATE directory.accounts SET portfolio_id", Duration.ofSeconds(30));
            deletion = CompletableFuture.supplyAsync(() -> owner.call("DELETE", "/account-roles/AREA_LEAD", null));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> deletion.isDone()
                            || LockWaits.anyIn(TestStack.database(), "pg_advisory_xact_lock(hashtextextended"));
            try (Statement release = holder.createStatement()) {
                release.execute("SELECT pg_advisory_unlock(" + lockKey + ")");
            }
            ResponseEntity<String> linked = link.get(30, TimeUnit.SECONDS);
            assertThat(linked.getStatusCode().value()).as(linked.getBody()).isEqualTo(201);
        } finally {
            database.sql("DROP FUNCTION directory.held_link_back() CASCADE").update();
        }

        ResponseEntity<String> inUse = deletion.get(30, TimeUnit.SECONDS);
        assertThat(inUse.getStatusCode().value()).as(inUse.getBody()).isEqualTo(409);
        assertThat(GatewayClient.json(inUse.getBody()).get("detail").asString()).contains("held by 1 membership(s)");
        assertThat(owner.call("GET", "/account-roles", null).getBody()).contains("AREA_LEAD");
    }

    /** Defines a custom account role of the portfolio through the API. */
    /** Account 1, whose user ivy holds the custom account role AREA_LEAD, unlinked by the Owner (204). */
    private UUID anUnlinkedAccountWhoseUserHoldsAreaLead() {
        UUID a1 = portfolio.account(1);
        defineAccountRole("AREA_LEAD", "Area lead");
        portfolio.addUser("ivy", new AccountRole("AREA_LEAD"), List.of(a1));
        assertThat(owner.call("DELETE", "/linked-accounts/" + a1, null)
                        .getStatusCode()
                        .value())
                .isEqualTo(204);
        return a1;
    }

    private void defineAccountRole(String code, String name) {
        ResponseEntity<String> defined = owner.call(
                "POST",
                "/account-roles",
                Map.of("code", code, "name", name, "description", "", "permissions", List.of("VIEW_ACCOUNT")));
        assertThat(defined.getStatusCode().value()).as(defined.getBody()).isEqualTo(201);
    }

    @Test
    void closingThePortfolioCancelsItsPendingJobAndUnlinksEveryAccountKeepingTheLogs() {
        UUID a0 = portfolio.account(0);
        UserRef ivy = portfolio.addUser("ivy", AccountRole.ANALYST, List.of(a0));
        List<MessageListenerContainer> listeners = List.copyOf(
                stack.worker().getBean(KafkaListenerEndpointRegistry.class).getListenerContainers());
        listeners.forEach(MessageListenerContainer::pause);
        try {
            await().atMost(GatewayClient.JOB_DONE_WITHIN)
                    .until(() -> listeners.stream().allMatch(MessageListenerContainer::isContainerPaused));
            UUID job = owner.submit(Map.of("type", "OFFBOARD_USERS", "userIds", List.of(ivy.userId())));
            ResponseEntity<String> scimToken = owner.call("POST", "/scim-tokens", Map.of("name", "Entra ID"));
            assertThat(scimToken.getStatusCode().value())
                    .as(scimToken.getBody())
                    .isEqualTo(201);
            String scim = GatewayClient.json(scimToken.getBody()).get("token").asString();
            assertThat(scimUsers(scim)).isEqualTo(200);

            assertThat(owner.call("POST", "/close", Map.of("confirmation", "guess"))
                            .getStatusCode()
                            .value())
                    .isEqualTo(422);
            ResponseEntity<String> token = owner.call("POST", "/closure", null);
            assertThat(token.getStatusCode().value()).as(token.getBody()).isEqualTo(201);
            String confirmation =
                    GatewayClient.json(token.getBody()).get("confirmation").asString();
            ResponseEntity<String> closed = owner.call("POST", "/close", Map.of("confirmation", confirmation));
            assertThat(closed.getStatusCode().value()).as(closed.getBody()).isEqualTo(200);
            JsonNode outcome = GatewayClient.json(closed.getBody());
            assertThat(outcome.get("unlinkedAccounts").asLong()).isEqualTo(3);
            assertThat(outcome.get("cancelledJobs").asLong()).isEqualTo(1);
            listeners.forEach(MessageListenerContainer::resume);

            assertThat(database.sql("SELECT status FROM jobs.bulk_jobs WHERE id = ?")
                            .param(job)
                            .query(String.class)
                            .single())
                    .isEqualTo("CANCELLED");
            assertThat(database.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = ?")
                            .param(portfolio.id())
                            .query(Long.class)
                            .single())
                    .isZero();
            // The identity provider provisions it no more.
            assertThat(scimUsers(scim)).isEqualTo(401);
            // No one administers it any more, whatever their token says; the users keep their access to the
            // accounts.
            assertThat(owner.call("POST", "/close", Map.of("confirmation", confirmation))
                            .getStatusCode()
                            .value())
                    .isEqualTo(403);
            assertThat(owner.call("GET", "/bulk-jobs/" + job, null)
                            .getStatusCode()
                            .value())
                    .isEqualTo(403);
            assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", spareAccount()))
                            .getStatusCode()
                            .value())
                    .as("a link once the close committed")
                    .isEqualTo(403);
            assertThat(database.sql("SELECT role FROM directory.memberships WHERE account_id = ? AND user_id = ?")
                            .params(a0, ivy.userId())
                            .query(String.class)
                            .single())
                    .isEqualTo("ANALYST");
            for (UUID account : portfolio.accounts()) {
                await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                        .untilAsserted(() -> assertThat(logOf(account)).containsExactly("ACCOUNT_UNLINKED"));
            }
        } finally {
            listeners.forEach(MessageListenerContainer::resume);
        }
    }

    /**
     * The close of a portfolio whose accounts take longer to unlink than the gateway waits for one
     * answer of the worker (5 s): 2,503 accounts with two pending invitations each, every batch of the
     * worker's unlinking held 2 s by a trigger, so three batches of up to 1,000 accounts take over 6 s.
     * The gateway asks for the unlinking in calls that each stop starting batches once the close's
     * budget has passed (the test stack's: 0.5 s, so one batch a call), and calls again until the worker
     * says none is left: one close request answers 200, every account unlinked and every invitation
     * ended, each logged. Before, the gateway asked for it in one call and answered the Owner 503 after
     * 5 s while the worker went on; every close sent again started another unlinking.
     */
    @Test
    void aCloseWhoseUnlinkingOutlastsOneCallToTheWorkerEndsInOneRequest() throws Exception {
        database.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        SELECT gen_random_uuid(), ?, 'Generated ' || i FROM generate_series(1, 2500) i
                        """).param(portfolio.id()).update();
        List<UUID> accounts = database.sql("SELECT id FROM directory.accounts WHERE portfolio_id = ?")
                .param(portfolio.id())
                .query(UUID.class)
                .list();
        assertThat(accounts).hasSize(2503);
        for (String invitee : List.of(TestPortfolio.newEmail("pending-a"), TestPortfolio.newEmail("pending-b"))) {
            UUID user = UUID.randomUUID();
            database.sql("INSERT INTO directory.users (id, email) VALUES (?, ?)")
                    .params(user, invitee.toLowerCase(Locale.ROOT))
                    .update();
            database.sql("""
                            INSERT INTO directory.memberships (account_id, user_id, role, state, invited_at, expires_at,
                                                               invitation_token)
                            SELECT a.id, ?, 'ANALYST', 'INVITED', now(), now() + interval '7 days',
                                   encode(sha256(convert_to(a.id::text || ?::text, 'UTF8')), 'hex')
                              FROM directory.accounts a WHERE a.portfolio_id = ?
                            """).params(user, user, portfolio.id()).update();
        }
        database.sql("""
                        CREATE FUNCTION directory.slow_unlink() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF EXISTS (SELECT 1 FROM unlinked WHERE portfolio_id = '%s') THEN
                                PERFORM pg_sleep(2);
                            END IF;
                            RETURN NULL;
                        END $$;
                        CREATE TRIGGER slow_unlink AFTER UPDATE ON directory.accounts
                            REFERENCING OLD TABLE AS unlinked
                            FOR EACH STATEMENT EXECUTE FUNCTION directory.slow_unlink();
                        """.formatted(portfolio.id())).update();
        ResponseEntity<String> closed;
        try {
            ResponseEntity<String> token = owner.call("POST", "/closure", null);
            assertThat(token.getStatusCode().value()).as(token.getBody()).isEqualTo(201);
            String confirmation =
                    GatewayClient.json(token.getBody()).get("confirmation").asString();

            closed = owner.call("POST", "/close", Map.of("confirmation", confirmation));
        } finally {
            database.sql("DROP FUNCTION directory.slow_unlink() CASCADE").update();
        }

        assertThat(closed.getStatusCode().value()).as(closed.getBody()).isEqualTo(200);
        assertThat(GatewayClient.json(closed.getBody()).get("unlinkedAccounts").asLong())
                .isEqualTo(2503);
        assertThat(database.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(database.sql("SELECT count(*) FROM directory.memberships WHERE account_id = ANY(?)"
                                + " AND state = 'INVITED'")
                        .param(accounts.toArray(UUID[]::new))
                        .query(Long.class)
                        .single())
                .as("pending invitations left")
                .isZero();
        assertThat(database.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                + " AND action = 'PORTFOLIO_CLOSED'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .isEqualTo("closed: 2503 account(s) unlinked, 0 pending job(s) cancelled");
        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .untilAsserted(() -> assertThat(database.sql("""
                                        SELECT action, count(*) FROM audit.activity_log WHERE portfolio_id = ?
                                         GROUP BY action
                                        """)
                                .param(portfolio.id())
                                .query((rs, row) -> Map.entry(rs.getString(1), rs.getLong(2)))
                                .list())
                        .containsExactlyInAnyOrder(
                                Map.entry("INVITATION_REVOKED", 5006L), Map.entry("ACCOUNT_UNLINKED", 2503L)));
    }

    /**
     * The Owner links an account while the portfolio closes, and the link's answer is lost: the worker's
     * link waits (a trigger holds its write of the account) past the gateway's 5 s for the worker's
     * answer, so the Owner gets 503, after the close noted the accounts it asks to unlink; the link then
     * commits, and the close's unlinking of every account, which waited for it, unlinks the account with
     * the others. The close's answer and its PORTFOLIO_CLOSED entry count it: 4 accounts unlinked. Before,
     * they said 3: the close counted the accounts noted for it, and the link that failed for the gateway
     * noted nothing (only its repeat would have).
     */
    @Test
    void aCloseCountsAnAccountItUnlinkedWhoseLinkAnsweredTheOwner503() throws Exception {
        UUID spare = spareAccount();
        long lockKey = spare.getMostSignificantBits();
        database.sql("""
                        CREATE FUNCTION directory.held_link() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                            IF NEW.id = '%s' AND NEW.portfolio_id IS NOT NULL THEN
                                PERFORM pg_advisory_xact_lock(%d);
                            END IF;
                            RETURN NEW;
                        END $$;
                        CREATE TRIGGER held_link BEFORE UPDATE ON directory.accounts
                            FOR EACH ROW EXECUTE FUNCTION directory.held_link();
                        """.formatted(spare, lockKey)).update();
        try (Connection holder = TestStack.database().getConnection()) {
            try (Statement hold = holder.createStatement()) {
                hold.execute("SELECT pg_advisory_lock(" + lockKey + ")");
            }
            assertThat(owner.call("POST", "/linked-accounts", Map.of("accountId", spare))
                            .getStatusCode()
                            .value())
                    .as("the worker's answer did not come in time")
                    .isEqualTo(503);
            ResponseEntity<String> token = owner.call("POST", "/closure", null);
            assertThat(token.getStatusCode().value()).as(token.getBody()).isEqualTo(201);
            String confirmation =
                    GatewayClient.json(token.getBody()).get("confirmation").asString();
            CompletableFuture<ResponseEntity<String>> closing = CompletableFuture.supplyAsync(
                    () -> owner.call("POST", "/close", Map.of("confirmation", confirmation)));
            // The close's unlinking of every account waits for the link, which holds the portfolio.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> database.sql("""
                                            SELECT count(*) FROM pg_stat_activity
                                             WHERE wait_event_type = 'Lock'
                                               AND query LIKE '%directory.portfolios%FOR NO KEY UPDATE%'
                                            """).query(Long.class).single() > 0);
            try (Statement release = holder.createStatement()) {
                release.execute("SELECT pg_advisory_unlock(" + lockKey + ")");
            }

            ResponseEntity<String> closed = closing.get(60, TimeUnit.SECONDS);
            assertThat(closed.getStatusCode().value()).as(closed.getBody()).isEqualTo(200);
            assertThat(GatewayClient.json(closed.getBody())
                            .get("unlinkedAccounts")
                            .asLong())
                    .isEqualTo(4);
        } finally {
            database.sql("DROP FUNCTION directory.held_link() CASCADE").update();
        }
        assertThat(portfolioOf(spare)).isNull();
        assertThat(database.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                + " AND action = 'PORTFOLIO_CLOSED'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .isEqualTo("closed: 4 account(s) unlinked, 0 pending job(s) cancelled");
    }

    /** The status of the SCIM user listing of the portfolio, read with {@code token}. */
    private int scimUsers(String token) {
        return RestClient.create()
                .get()
                .uri(URI.create(stack.gatewayUrl() + "/scim/v2/portfolios/" + portfolio.id() + "/Users"))
                .headers(headers -> headers.setBearerAuth(token))
                .exchange((request, response) -> response.getStatusCode().value());
    }

    /** A new account in no portfolio. */
    private UUID spareAccount() {
        UUID spare = UUID.randomUUID();
        database.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, NULL, ?)")
                .params(spare, "Spare " + spare)
                .update();
        return spare;
    }

    private UUID portfolioOf(UUID account) {
        return database.sql("SELECT portfolio_id FROM directory.accounts WHERE id = ?")
                .param(account)
                .query((rs, row) -> rs.getObject(1, UUID.class))
                .list()
                .getFirst();
    }

    private List<String> logOf(UUID account) {
        return database.sql(
                        "SELECT action FROM audit.activity_log WHERE account_id = ? ORDER BY occurred_at, recorded_at")
                .param(account)
                .query(String.class)
                .list();
    }
}
