package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.WorkerSimulation;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.TestTokens;
import com.unboundid.scim2.client.ScimService;
import com.unboundid.scim2.common.exceptions.ResourceNotFoundException;
import com.unboundid.scim2.common.exceptions.ScimException;
import com.unboundid.scim2.common.messages.ListResponse;
import com.unboundid.scim2.common.types.UserResource;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.glassfish.jersey.client.HttpUrlConnectorProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpMethod;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;

/**
 * Permissions come from the portfolio users stored in the database, not from the token: a revoked
 * editor is refused at once through this gateway, and within seconds when the change reaches the
 * database another way (another gateway instance), while their token stays valid.
 */
class DatabasePermissionsIntegrationTests extends PortfolioAdministrationTest {

    @Autowired
    private DeprovisionedUsersSweep deprovisionedUsers;

    @Autowired
    private DataSource dataSource;

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** The advisory lock that holds the portfolio's task inserts ({@link #holdTaskInserts}). */
    private static final long HELD_KEY = 7_310_211L;

    private static final String OFFBOARD = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"%s\"]}";

    private static final String SCIM_ACTIVE = """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations":[{"op":"Replace","path":"active","value":"%s"}]}
            """;

    @Test
    void anEditorRevokedThroughTheApiIsRefusedOnTheirNextRequest() {
        UUID account = portfolio.account("Alpha");
        UUID leaver = portfolio.user("leaver");
        portfolio.member(account, leaver, AccountRole.ANALYST);
        UUID editorId = accountUser("editor");
        String editor = tokenOf(editorId, portfolio.email("editor"));

        // Not a portfolio user yet: the still-valid token alone grants nothing.
        assertProblem(submitAs(editor, leaver), 403);

        Answer added = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"user_management_edit\"}".formatted(portfolio.email("editor")));
        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(added.body().path("role").asString()).isEqualTo("USER_MANAGEMENT_EDIT");
        assertThat(submitAs(editor, leaver).status()).isEqualTo(202);

        Answer revoked = call(HttpMethod.DELETE, owner, path("/portfolio-users/" + editorId), null);
        assertThat(revoked.status()).as(revoked.text()).isEqualTo(204);

        Answer refused = submitAs(editor, leaver);
        assertProblem(refused, 403);
        assertProblem(api.get(editor, "/api/v1/portfolios/" + portfolio.id() + "/accounts"), 403);
    }

    @Test
    void anEditorRevokedInTheDatabaseIsRefusedWithinSecondsWithAStillValidToken() {
        UUID account = portfolio.account("Alpha");
        UUID leaver = portfolio.user("leaver");
        portfolio.member(account, leaver, AccountRole.ANALYST);
        UUID editorId = portfolio.user("editor");
        storePortfolioUser(editorId, portfolio.email("editor"), "USER_MANAGEMENT_EDIT");
        String editor = tokenOf(editorId, portfolio.email("editor"));
        assertThat(submitAs(editor, leaver).status()).isEqualTo(202);

        // As another gateway instance would: the change reaches the database, not this instance's cache.
        jdbc.sql(
                        "UPDATE jobs.portfolio_users SET role = 'USER_MANAGEMENT_VIEW' WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", editorId)
                .update();
        long revokedAt = System.nanoTime();

        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> submitAs(editor, leaver).status() == 403);
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Duration.ofSeconds(10));
        // Reading stays allowed: the role is now User Management VIEW.
        assertThat(api.get(editor, "/api/v1/portfolios/" + portfolio.id() + "/accounts")
                        .status())
                .isEqualTo(200);
    }

    /**
     * An Admin removed, and another lowered to User Management VIEW, through another gateway (written
     * straight to the database here, as that gateway commits the changes: this one's cache keeps what it
     * read) each submit an invitation through this gateway a moment later, which still holds the
     * permissions their requests just before read: both are refused with the 403 problem anyone without
     * the permission gets, and no job of theirs is stored. An Admin left as they were submits. Before,
     * both jobs were accepted and queued in their names after the changes that cancel their unfinished
     * jobs had committed, and the worker applied them in full.
     */
    @Test
    void anAdminRemovedOrLoweredThroughAnotherGatewayCannotSubmitWhileThisGatewayStillHoldsTheirPermissions() {
        UUID alpha = portfolio.account("Alpha");
        UUID removedId = portfolio.user("removed");
        storePortfolioUser(removedId, portfolio.email("removed"), "ADMIN");
        String removed = tokenOf(removedId, portfolio.email("removed"));
        UUID loweredId = portfolio.user("lowered");
        storePortfolioUser(loweredId, portfolio.email("lowered"), "ADMIN");
        String lowered = tokenOf(loweredId, portfolio.email("lowered"));
        String steady = storedPortfolioUser("steady", "ADMIN");
        assertThat(submitInvitation(steady, alpha).status()).isEqualTo(202);

        // Each one's request a moment ago, then their change as another gateway instance commits it: it
        // reaches the database only, and this gateway keeps the permissions it read for the cache's time.
        assertThat(call(HttpMethod.GET, removed, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        jdbc.sql("DELETE FROM jobs.portfolio_users WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", removedId)
                .update();
        Answer byRemoved = submitInvitation(removed, alpha);
        assertThat(call(HttpMethod.GET, lowered, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        jdbc.sql("UPDATE jobs.portfolio_users SET role = 'USER_MANAGEMENT_VIEW' WHERE portfolio_id = :p"
                        + " AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", loweredId)
                .update();
        Answer byLowered = submitInvitation(lowered, alpha);

        assertProblem(byRemoved, 403);
        assertProblem(byLowered, 403);
        assertThat(byRemoved.body().path("detail").asString())
                .isEqualTo("Changing access in portfolio " + portfolio.id()
                        + " needs the Portfolio Owner or User Management EDIT");
        assertThat(jdbc.sql(
                                "SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = :p AND requested_by_user_id IN (:u)")
                        .param("p", portfolio.id())
                        .param("u", List.of(removedId, loweredId))
                        .query(Long.class)
                        .single())
                .as("jobs stored in the names of the removed and the lowered Admin")
                .isZero();
    }

    /**
     * An Admin removed through another gateway (their portfolio user row deleted straight in the
     * database, as that gateway commits it) cannot cancel a job through this one in the seconds it keeps
     * their permissions: 403 and the job as it was. Before, the cancellation went through on the cached
     * permissions, so a leaver whom the identity provider had just deprovisioned could cancel their own
     * offboarding in those seconds.
     */
    @Test
    void anAdminRemovedThroughAnotherGatewayCannotCancelWhileThisGatewayStillHoldsTheirPermissions() {
        UUID alpha = portfolio.account("Alpha");
        UUID removedId = portfolio.user("canceller");
        storePortfolioUser(removedId, portfolio.email("canceller"), "ADMIN");
        String removed = tokenOf(removedId, portfolio.email("canceller"));
        Answer queued = submitInvitation(owner, alpha);
        assertThat(queued.status()).as(queued.text()).isEqualTo(202);
        UUID jobId = UUID.fromString(queued.body().path("jobId").asString());

        assertThat(call(HttpMethod.GET, removed, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        jdbc.sql("DELETE FROM jobs.portfolio_users WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", removedId)
                .update();
        Answer cancel = call(HttpMethod.POST, removed, jobPath(portfolio.id(), jobId) + "/cancel", null);

        assertProblem(cancel, 403);
        assertThat(cancel.body().path("detail").asString())
                .isEqualTo("Changing access in portfolio " + portfolio.id()
                        + " needs the Portfolio Owner or User Management EDIT");
        assertThat(jobAsOwner(jobId)).isEqualTo("QUEUED total=1 pending=1 succeeded=0 cancelled=0");
    }

    /**
     * The Owner removes an Admin whose invitation is being stored at that moment (held here at its
     * tasks' insert, after the request was let in): the removal waits for the job to be stored, then
     * cancels it with the Admin's other unfinished jobs, and its log entry counts it. Before, the removal
     * committed first with nothing to cancel, and the job was stored after it, QUEUED, and applied in
     * full in the removed Admin's name.
     */
    @Test
    void anAdminRemovedWhileTheirJobIsBeingStoredHasItCancelledByTheRemoval() throws Exception {
        UUID alpha = portfolio.account("Alpha");
        UUID rogueId = portfolio.user("rogue");
        storePortfolioUser(rogueId, portfolio.email("rogue"), "ADMIN");
        String rogue = tokenOf(rogueId, portfolio.email("rogue"));

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdTaskInserts()) {
            Future<Answer> submitted = requests.submit(() -> submitInvitation(rogue, alpha));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.bulk_tasks", PATIENCE);
            Future<Answer> removal =
                    requests.submit(() -> call(HttpMethod.DELETE, owner, path("/portfolio-users/" + rogueId), null));
            await().atMost(PATIENCE)
                    .until(() -> removal.isDone() || LockWaits.anyIn(dataSource, "FROM jobs.portfolio_users"));
            holder.rollback();

            Answer job = submitted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            Answer removed = removal.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(job.status()).as(job.text()).isEqualTo(202);
            assertThat(removed.status()).as(removed.text()).isEqualTo(204);
            UUID jobId = UUID.fromString(job.body().path("jobId").asString());
            assertThat(jobAsOwner(jobId)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
            assertThat(taskStatuses(jobId)).containsExactly("CANCELLED JOB_CANCELLED");
            assertThat(adminLog())
                    .containsExactly("PORTFOLIO_USER_REMOVED " + portfolio.email("owner") + " " + ownerId + " "
                            + portfolio.email("rogue") + " removed (was Admin); 1 unfinished job(s) they submitted"
                            + " cancelled");
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_submission ON jobs.bulk_tasks")
                    .update();
            jdbc.sql("DROP FUNCTION IF EXISTS jobs.test_held_submission()").update();
        }
    }

    @Test
    void aTokenClaimingOwnershipGrantsNothingWhenTheDatabaseIsTheSource() {
        String pretender = TestTokens.token(UUID.randomUUID(), "pretender@agency.test", portfolio.id(), "OWNER");

        assertProblem(api.get(pretender, "/api/v1/portfolios/" + portfolio.id() + "/accounts"), 403);
        assertProblem(call(HttpMethod.GET, pretender, path("/portfolio-users"), null), 403);
    }

    @Test
    void eachBuiltInRoleGrantsItsPermissions() {
        UUID account = portfolio.account("Alpha");
        UUID leaver = portfolio.user("leaver");
        portfolio.member(account, leaver, AccountRole.ANALYST);
        String admin = storedPortfolioUser("admin", "ADMIN");
        String editor = storedPortfolioUser("editor", "USER_MANAGEMENT_EDIT");
        String viewer = storedPortfolioUser("viewer", "USER_MANAGEMENT_VIEW");
        String accounts = "/api/v1/portfolios/" + portfolio.id() + "/accounts";

        for (String reader : new String[] {owner, admin, editor, viewer}) {
            assertThat(api.get(reader, accounts).status()).isEqualTo(200);
        }
        assertThat(submitAs(owner, leaver).status()).isEqualTo(202);
        assertThat(submitAs(admin, leaver).status()).isEqualTo(202);
        assertThat(submitAs(editor, leaver).status()).isEqualTo(202);
        assertProblem(submitAs(viewer, leaver), 403);
        assertThat(call(HttpMethod.GET, admin, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        assertProblem(call(HttpMethod.GET, editor, path("/portfolio-users"), null), 403);
    }

    @Test
    void aPortfoliosClaimOfAnotherShapeIsNotRead() {
        // An identity provider that names portfolios in its own way: the claim counts for nothing here.
        String token = TestTokens.sign(
                TestTokens.DEVELOPMENT_SECRET,
                ownerId,
                portfolio.email("owner"),
                Map.of("Agency portfolio", List.of("OWNER")),
                Instant.now().plus(Duration.ofHours(1)));

        Answer accounts = api.get(token, "/api/v1/portfolios/" + portfolio.id() + "/accounts");

        assertThat(accounts.status()).as(accounts.text()).isEqualTo(200);
    }

    /**
     * The identity provider's deprovisioning ends a portfolio Admin's administration of the portfolio
     * with their access to its accounts: the token they hold is refused on its next request, they are
     * gone from the portfolio users, with an offer of ownership made to them, and the administration
     * log says that the identity provider removed them. Before, the offboarding job left their role,
     * and they went on administering the portfolio. Reactivating them gives it back no more than their
     * access.
     */
    @Test
    void anAdminTheIdentityProviderDeactivatesIsRefusedOnTheirNextRequestAndIsNoPortfolioUserAnyMore() {
        UUID adminId = accountUser("admin");
        storePortfolioUser(adminId, portfolio.email("admin"), "ADMIN");
        String admin = tokenOf(adminId, portfolio.email("admin"));
        assertThat(call(HttpMethod.GET, admin, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        Answer offered = call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"" + adminId + "\"}");
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);
        String identityProvider = scimToken.body().path("token").asString();

        Answer deactivated =
                call(HttpMethod.PATCH, identityProvider, scimUser(adminId), SCIM_ACTIVE.formatted("False"));

        assertThat(deactivated.status()).as(deactivated.text()).isEqualTo(200);
        assertProblem(call(HttpMethod.GET, admin, path("/portfolio-users"), null), 403);
        Answer users = call(HttpMethod.GET, owner, path("/portfolio-users"), null);
        assertThat(users.status()).as(users.text()).isEqualTo(200);
        assertThat(users.body().path("items").values())
                .extracting(user -> user.path("userId").asString())
                .containsExactly(ownerId.toString());
        assertProblem(call(HttpMethod.GET, owner, path("/owner-transfer"), null), 404);
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString() + " "
                        + entry.path("actorEmail").asString()
                        + " " + entry.path("actorUserId").asString() + " "
                        + entry.path("subject").asString()
                        + " " + entry.path("detail").asString())
                .containsExactly(
                        "OWNER_TRANSFER_WITHDRAWN identity provider "
                                + scimToken.body().path("tokenId").asString() + " " + portfolio.email("admin")
                                + " withdrawn: the recipient was removed",
                        "PORTFOLIO_USER_REMOVED identity provider "
                                + scimToken.body().path("tokenId").asString()
                                + " " + portfolio.email("admin")
                                + " removed by the identity provider's deprovisioning (was Admin)",
                        "OWNER_TRANSFER_REQUESTED " + portfolio.email("owner") + " " + ownerId + " "
                                + portfolio.email("admin") + " ownership offered to " + portfolio.email("admin"));
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = ? AND origin = 'SCIM'")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .as("the offboarding job, in the same deactivation")
                .isEqualTo(1);

        Answer reactivated = call(HttpMethod.PATCH, identityProvider, scimUser(adminId), SCIM_ACTIVE.formatted("True"));

        assertThat(reactivated.status()).as(reactivated.text()).isEqualTo(200);
        assertProblem(call(HttpMethod.GET, admin, path("/portfolio-users"), null), 403);
    }

    /**
     * The Owner removes an Admin whose invitation of an outsider as ADMIN on two accounts has one task
     * applied and the other still waiting: the job ends CANCELLED with its pending task cancelled as a
     * cancel of it does, the applied one stays applied, and another Admin's job is left as it was. The
     * administration log's entry counts the job, and one INFO line names it by id. Before, the removed
     * Admin's job stayed QUEUED and the worker went on to apply it in full.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void theJobsOfAnAdminTheOwnerRemovesThatHaveNotRunAreCancelledAndAnotherAdminsAreNot(
            @Autowired PlatformTransactionManager transactions, CapturedOutput output) {
        UUID alpha = portfolio.account("Alpha");
        UUID beta = portfolio.account("Beta");
        UUID rogueId = portfolio.user("rogue");
        storePortfolioUser(rogueId, portfolio.email("rogue"), "ADMIN");
        String rogue = tokenOf(rogueId, portfolio.email("rogue"));
        String steady = storedPortfolioUser("steady", "ADMIN");
        UUID roguesJob = invite(rogue, alpha, beta);
        UUID steadysJob = invite(steady, alpha);
        WorkerSimulation worker = new WorkerSimulation(jdbc, transactions);
        worker.apply(worker.taskIds(roguesJob).getFirst(), "SUCCEEDED", null, null);

        Answer removed = call(HttpMethod.DELETE, owner, path("/portfolio-users/" + rogueId), null);

        assertThat(removed.status()).as(removed.text()).isEqualTo(204);
        assertThat(jobAsOwner(roguesJob)).isEqualTo("CANCELLED total=2 pending=0 succeeded=1 cancelled=1");
        assertThat(taskStatuses(roguesJob)).containsExactlyInAnyOrder("SUCCEEDED ", "CANCELLED JOB_CANCELLED");
        assertThat(jobAsOwner(steadysJob)).isEqualTo("QUEUED total=1 pending=1 succeeded=0 cancelled=0");
        assertThat(taskStatuses(steadysJob)).containsExactly("PENDING ");
        assertThat(withdrawnBy(roguesJob))
                .as("withdrawn by the removal: the worker revokes its applied invitation and sends no e-mail")
                .isEqualTo(ownerId + " " + portfolio.email("owner") + " ADMINISTRATOR");
        assertThat(withdrawnBy(steadysJob)).isEqualTo("null null null");
        Answer cancelled = api.post(steady, jobPath(portfolio.id(), steadysJob) + "/cancel", null, null);
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(202);
        assertThat(withdrawnBy(steadysJob))
                .as("an ordinary cancel: what the job applied is announced")
                .isEqualTo("null null null");
        assertThat(adminLog())
                .containsExactly("PORTFOLIO_USER_REMOVED " + portfolio.email("owner") + " " + ownerId + " "
                        + portfolio.email("rogue") + " removed (was Admin); 1 unfinished job(s) they submitted"
                        + " cancelled");
        assertThat(output.getAll().lines().filter(line -> line.contains(roguesJob.toString())))
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                " INFO ",
                                "Change of portfolio " + portfolio.id() + " at the request of user " + ownerId
                                        + ": job(s) " + roguesJob + " cancelled: submitted by portfolio user "
                                        + rogueId + ", who was removed"));
    }

    /**
     * The Owner lowers an Admin to User Management VIEW, which submits no jobs: their invitation that has
     * not run ends CANCELLED with its task cancelled, and the log's entry of the change counts it. Another
     * Admin changed to User Management EDIT, who may still submit, keeps their job queued. Before, the
     * lowered Admin's job stayed QUEUED and the worker applied it.
     */
    @Test
    void theJobsOfAnAdminLoweredToARoleThatSubmitsNoJobsAreCancelledAndAnEditorsAreNot() {
        UUID alpha = portfolio.account("Alpha");
        UUID loweredId = portfolio.user("lowered");
        storePortfolioUser(loweredId, portfolio.email("lowered"), "ADMIN");
        UUID editorId = portfolio.user("editor");
        storePortfolioUser(editorId, portfolio.email("editor"), "ADMIN");
        UUID loweredsJob = invite(tokenOf(loweredId, portfolio.email("lowered")), alpha);
        UUID editorsJob = invite(tokenOf(editorId, portfolio.email("editor")), alpha);

        Answer toViewer = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + loweredId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}");
        Answer toEditor = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + editorId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_EDIT\"}");

        assertThat(toViewer.status()).as(toViewer.text()).isEqualTo(200);
        assertThat(toEditor.status()).as(toEditor.text()).isEqualTo(200);
        assertThat(jobAsOwner(loweredsJob)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
        assertThat(taskStatuses(loweredsJob)).containsExactly("CANCELLED JOB_CANCELLED");
        assertThat(withdrawnBy(loweredsJob)).isEqualTo(ownerId + " " + portfolio.email("owner") + " ADMINISTRATOR");
        assertThat(jobAsOwner(editorsJob)).isEqualTo("QUEUED total=1 pending=1 succeeded=0 cancelled=0");
        assertThat(taskStatuses(editorsJob)).containsExactly("PENDING ");
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        assertThat(log.body().path("items").values())
                .filteredOn(entry -> entry.path("action").asString().equals("PORTFOLIO_ROLE_CHANGED"))
                .extracting(entry -> entry.path("subject").asString() + " "
                        + entry.path("detail").asString())
                .containsExactly(
                        portfolio.email("editor") + " role Admin -> User Management EDIT",
                        portfolio.email("lowered") + " role Admin -> User Management VIEW; 1 unfinished job(s) they"
                                + " submitted cancelled");
    }

    /**
     * The identity provider deactivates an Admin who invited an outsider on an account and whose job has
     * not run yet: the job ends CANCELLED, its task cancelled, in the deactivation's transaction; the
     * offboarding job the deactivation submits, and another Admin's job, are left to run. Before, the
     * deprovisioned Admin's job stayed QUEUED and the worker applied it, its invitation naming them.
     */
    @Test
    void theJobsOfAnAdminTheIdentityProviderDeactivatesThatHaveNotRunAreCancelled() {
        UUID alpha = portfolio.account("Alpha");
        UUID rogueId = accountUser("rogue");
        storePortfolioUser(rogueId, portfolio.email("rogue"), "ADMIN");
        String rogue = tokenOf(rogueId, portfolio.email("rogue"));
        String steady = storedPortfolioUser("steady", "ADMIN");
        UUID roguesJob = invite(rogue, alpha);
        UUID steadysJob = invite(steady, alpha);
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);

        Answer deactivated = call(
                HttpMethod.PATCH,
                scimToken.body().path("token").asString(),
                scimUser(rogueId),
                SCIM_ACTIVE.formatted("False"));

        assertThat(deactivated.status()).as(deactivated.text()).isEqualTo(200);
        assertThat(jobAsOwner(roguesJob)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
        assertThat(taskStatuses(roguesJob)).containsExactly("CANCELLED JOB_CANCELLED");
        assertThat(withdrawnBy(roguesJob))
                .isEqualTo(scimToken.body().path("tokenId").asString() + " identity provider IDENTITY_PROVIDER");
        assertThat(jobAsOwner(steadysJob)).isEqualTo("QUEUED total=1 pending=1 succeeded=0 cancelled=0");
        UUID offboarding = jdbc.sql("SELECT id FROM jobs.bulk_jobs WHERE portfolio_id = ? AND origin = 'SCIM'")
                .param(portfolio.id())
                .query(UUID.class)
                .single();
        assertThat(jobAsOwner(offboarding)).startsWith("QUEUED ");
        assertThat(adminLog())
                .containsExactly("PORTFOLIO_USER_REMOVED identity provider "
                        + scimToken.body().path("tokenId").asString() + " " + portfolio.email("rogue")
                        + " removed by the identity provider's deprovisioning (was Admin); 1 unfinished job(s)"
                        + " they submitted cancelled");
    }

    /**
     * An identity provider (Okta, or a client built on the UnboundID SCIM SDK, as here) finds three
     * portfolio Admins by address and keeps their ids, changing nothing; an administrator offboards them
     * from the portfolio's accounts through the bulk API, which leaves their portfolio roles; then the
     * identity provider deprovisions them by the ids it kept: one by PATCH {@code active: false}, one
     * by a PUT of the user it found with {@code active: false}, one by DELETE. Each ends that user's
     * administration of the portfolio. Before, a user the identity provider had only found left its
     * view with their last access: all three requests answered 404, and the three went on
     * administering the portfolio with the tokens they held.
     */
    @Test
    void adminsTheIdentityProviderOnlyFoundLoseTheirRoleWhenDeprovisionedAfterTheirAccessEnded(
            @Autowired PlatformTransactionManager transactions) throws ScimException {
        List<String> names = List.of("ann", "ben", "cal");
        Map<String, UUID> ids = new LinkedHashMap<>();
        for (String name : names) {
            ids.put(name, accountUser(name));
            Answer added = call(
                    HttpMethod.POST,
                    owner,
                    path("/portfolio-users"),
                    "{\"email\":\"%s\",\"role\":\"admin\"}".formatted(portfolio.email(name)));
            assertThat(added.status()).as(added.text()).isEqualTo(201);
        }
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Okta\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);
        String tokenId = scimToken.body().path("tokenId").asString();
        Client client = ClientBuilder.newClient()
                // HttpURLConnection knows no PATCH; Jersey sets it reflectively with this property.
                .property(HttpUrlConnectorProvider.SET_METHOD_WORKAROUND, true)
                .register((ClientRequestFilter) request -> request.getHeaders()
                        .putSingle(
                                "Authorization",
                                "Bearer " + scimToken.body().path("token").asString()));
        try {
            ScimService okta = new ScimService(
                    client.target("http://localhost:" + port + "/scim/v2/portfolios/" + portfolio.id()));
            Map<String, UserResource> found = new LinkedHashMap<>();
            for (String name : names) {
                ListResponse<UserResource> answer = okta.searchRequest("Users")
                        .filter("userName eq \"" + portfolio.email(name) + "\"")
                        .invoke(UserResource.class);
                assertThat(answer.getTotalResults()).isEqualTo(1);
                found.put(name, answer.getResources().getFirst());
            }
            // The administrator offboards the three; the worker removes their access and completes the job.
            Answer offboarding = api.post(
                    owner,
                    jobsPath(portfolio.id()),
                    UUID.randomUUID().toString(),
                    "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"%s\",\"%s\",\"%s\"]}"
                            .formatted(ids.get("ann"), ids.get("ben"), ids.get("cal")));
            assertThat(offboarding.status()).as(offboarding.text()).isEqualTo(202);
            jdbc.sql("DELETE FROM directory.memberships WHERE user_id IN (:users)")
                    .param("users", ids.values())
                    .update();
            new WorkerSimulation(jdbc, transactions)
                    .completeAll(
                            UUID.fromString(offboarding.body().path("jobId").asString()));
            for (String name : names) {
                assertThat(call(
                                        HttpMethod.GET,
                                        tokenOf(ids.get(name), portfolio.email(name)),
                                        path("/portfolio-users"),
                                        null)
                                .status())
                        .as("%s administers the portfolio after the offboarding", name)
                        .isEqualTo(200);
            }

            UserResource deactivated = okta.modifyRequest(
                            "Users", ids.get("ann").toString())
                    .replaceValue("active", false)
                    .invoke(UserResource.class);
            UserResource ben = found.get("ben");
            ben.setActive(false);
            UserResource replaced = okta.replace(ben);
            okta.delete("Users", ids.get("cal").toString());

            assertThat(deactivated.getActive()).isFalse();
            assertThat(replaced.getActive()).isFalse();
            assertThatThrownBy(() -> okta.retrieve("Users", ids.get("cal").toString(), UserResource.class))
                    .isInstanceOf(ResourceNotFoundException.class);
        } finally {
            client.close();
        }
        for (String name : names) {
            assertProblem(
                    call(HttpMethod.GET, tokenOf(ids.get(name), portfolio.email(name)), path("/portfolio-users"), null),
                    403);
        }
        Answer users = call(HttpMethod.GET, owner, path("/portfolio-users"), null);
        assertThat(users.status()).as(users.text()).isEqualTo(200);
        assertThat(users.body().path("items").values())
                .extracting(user -> user.path("userId").asString())
                .containsExactly(ownerId.toString());
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        assertThat(log.body().path("items").values())
                .filteredOn(entry -> entry.path("action").asString().equals("PORTFOLIO_USER_REMOVED"))
                .extracting(entry -> entry.path("actorUserId").asString() + " "
                        + entry.path("subject").asString() + " "
                        + entry.path("detail").asString())
                .containsExactlyInAnyOrder(names.stream()
                        .map(name -> tokenId + " " + portfolio.email(name)
                                + " removed by the identity provider's deprovisioning (was Admin)")
                        .toArray(String[]::new));
    }

    /**
     * During an upgrade the gateways of the version before go on answering SCIM after the migrations
     * ran: their deactivation offboards an Admin and leaves the portfolio role, and the identity provider
     * sends it once. The gateways' hourly run removes that role, logged as the identity provider's, and
     * keeps a role an administrator gives back afterwards; a run with nothing left changes nothing. A job
     * the leaver submitted with the role they kept, and that has not run, ends CANCELLED with the run,
     * as their removal through this version would end it, and README's restore lists it to be cancelled
     * again (the role given back afterwards, which step 7 of the restore makes again, cancels nothing).
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void anAdminDeactivatedThroughAGatewayOfTheVersionBeforeLosesTheRoleAtTheNextRun(CapturedOutput output)
            throws Exception {
        UUID adminId = accountUser("admin");
        storePortfolioUser(adminId, portfolio.email("admin"), "ADMIN");
        String admin = tokenOf(adminId, portfolio.email("admin"));
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);
        String tokenId = scimToken.body().path("tokenId").asString();
        Answer deactivated = call(
                HttpMethod.PATCH,
                scimToken.body().path("token").asString(),
                scimUser(adminId),
                SCIM_ACTIVE.formatted("False"));
        assertThat(deactivated.status()).as(deactivated.text()).isEqualTo(200);
        // As a gateway of the version before left it: the user offboarded (the job, the SCIM user
        // inactive), their portfolio role given before the deactivation still there, and not logged.
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role, created_at, updated_at)
                        VALUES (:p, :u, :email, 'ADMIN', now() - interval '30 days', now() - interval '30 days')
                        """)
                .param("p", portfolio.id())
                .param("u", adminId)
                .param("email", portfolio.email("admin"))
                .update();
        jdbc.sql("DELETE FROM jobs.portfolio_admin_log WHERE portfolio_id = :p AND action = 'PORTFOLIO_USER_REMOVED'")
                .param("p", portfolio.id())
                .update();
        UUID leftJob = invite(admin, portfolio.account("Alpha"));
        assertThat(jdbc.sql("""
                        SELECT NOT active AND last_job_id IS NOT NULL FROM jobs.scim_users
                         WHERE portfolio_id = :p AND user_id = :u
                        """)
                        .param("p", portfolio.id())
                        .param("u", adminId)
                        .query(Boolean.class)
                        .single())
                .isTrue();

        // A close's last step holds the portfolio's closure lock (and deletes its users): the run waits
        // for it, as a SCIM deprovisioning does, instead of deadlocking with it on the rows.
        try (Connection closing = dataSource.getConnection()) {
            closing.setAutoCommit(false);
            try (Statement statement = closing.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtextextended('portfolio-closure:" + portfolio.id()
                        + "', 0))");
            }
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(deprovisionedUsers::sweep);
            LockWaits.awaitLockWait(dataSource, "remove_deprovisioned_portfolio_users", Duration.ofSeconds(30));
            assertThat(run).isNotDone();
            closing.rollback();
            assertThat(run.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        }

        assertProblem(call(HttpMethod.GET, admin, path("/portfolio-users"), null), 403);
        assertThat(portfolioUsers()).containsExactly(ownerId + " OWNER");
        String removal = "PORTFOLIO_USER_REMOVED identity provider " + tokenId + " " + portfolio.email("admin")
                + " removed by the identity provider's deprovisioning, handled by a gateway of an earlier version"
                + " (was Admin)";
        assertThat(adminLog()).containsExactly(removal);
        assertThat(jobAsOwner(leftJob)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
        assertThat(taskStatuses(leftJob)).containsExactly("CANCELLED JOB_CANCELLED");
        assertThat(withdrawnBy(leftJob)).isEqualTo(tokenId + " identity provider IDENTITY_PROVIDER");

        // A second run finds nothing left to do.
        deprovisionedUsers.sweep();

        assertThat(portfolioUsers()).containsExactly(ownerId + " OWNER");
        assertThat(adminLog()).containsExactly(removal);

        // The Owner gives the role back, knowing: the next runs keep it.
        Answer regranted = call(
                HttpMethod.POST,
                owner,
                path("/portfolio-users"),
                "{\"email\":\"%s\",\"role\":\"admin\"}".formatted(portfolio.email("admin")));
        assertThat(regranted.status()).as(regranted.text()).isEqualTo(201);

        deprovisionedUsers.sweep();

        assertThat(call(HttpMethod.GET, admin, path("/portfolio-users"), null).status())
                .isEqualTo(200);
        assertThat(portfolioUsers()).containsExactlyInAnyOrder(ownerId + " OWNER", adminId + " ADMIN");
        assertThat(adminLog()).hasSize(2).endsWith(removal);
        assertThat(readmesJobsToCancelAgain(output.getAll()))
                .as("README's restore, step 6: the jobs to cancel again")
                .anySatisfy(line -> assertThat(line).contains(leftJob.toString()));
    }

    /**
     * README's restore lists, from the gateway's log, the jobs cancelled after the backup's moment, to
     * cancel them again before the workers start (step 6), and has the administrative changes made again,
     * of each portfolio user only the latest (step 7). The Owner removes an Admin and adds them back, and
     * lowers another to User Management VIEW and raises them back, each with a job queued that the
     * removal or the lowering cancels: the latest line of each user cancels nothing, so step 6 must list
     * both jobs. Before, it listed only the lines of cancels and closes: neither job, which after a
     * restore ran in full.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void readmesRestoreListsTheJobsARemovalOrALoweringCancelledThoughTheUserHasARoleAgain(CapturedOutput output)
            throws Exception {
        UUID alpha = portfolio.account("Alpha");
        UUID removedId = accountUser("removed");
        storePortfolioUser(removedId, portfolio.email("removed"), "ADMIN");
        UUID loweredId = accountUser("lowered");
        storePortfolioUser(loweredId, portfolio.email("lowered"), "ADMIN");
        UUID removedsJob = invite(tokenOf(removedId, portfolio.email("removed")), alpha);
        UUID loweredsJob = invite(tokenOf(loweredId, portfolio.email("lowered")), alpha);

        List<Integer> answers = List.of(
                call(HttpMethod.DELETE, owner, path("/portfolio-users/" + removedId), null)
                        .status(),
                call(
                                HttpMethod.POST,
                                owner,
                                path("/portfolio-users"),
                                "{\"email\":\"%s\",\"role\":\"ADMIN\"}".formatted(portfolio.email("removed")))
                        .status(),
                call(
                                HttpMethod.PUT,
                                owner,
                                path("/portfolio-users/" + loweredId + "/role"),
                                "{\"role\":\"USER_MANAGEMENT_VIEW\"}")
                        .status(),
                call(HttpMethod.PUT, owner, path("/portfolio-users/" + loweredId + "/role"), "{\"role\":\"ADMIN\"}")
                        .status());

        assertThat(answers).containsExactly(204, 201, 200, 200);
        assertThat(portfolioUsers())
                .containsExactlyInAnyOrder(ownerId + " OWNER", removedId + " ADMIN", loweredId + " ADMIN");
        assertThat(jobAsOwner(removedsJob)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
        assertThat(jobAsOwner(loweredsJob)).isEqualTo("CANCELLED total=1 pending=0 succeeded=0 cancelled=1");
        List<String> listed = readmesJobsToCancelAgain(output.getAll());
        assertThat(listed)
                .as("README's restore, step 6: the jobs to cancel again")
                .anySatisfy(line -> assertThat(line).contains(removedsJob.toString()))
                .anySatisfy(line -> assertThat(line).contains(loweredsJob.toString()));
    }

    /**
     * README's step 6 of the restore ("Backups, and restoring the database"): its listing of the jobs to
     * cancel again, from the command after {@code docker compose logs}, run over the gateway's log.
     */
    private static List<String> readmesJobsToCancelAgain(String log) throws IOException, InterruptedException {
        Path directory = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(directory.resolve("mvnw"))) {
            directory = directory.getParent();
        }
        Matcher block = Pattern.compile(
                        "```bash\n\\s*docker compose logs --no-log-prefix --since [^\n]*\n(\\s*\\| grep -o [^`]*)```")
                .matcher(Files.readString(directory.resolve("README.md")));
        assertThat(block.find())
                .as("README's listing of the jobs to cancel again")
                .isTrue();
        Process listing = new ProcessBuilder(
                        "bash", "-c", "cat " + block.group(1).strip())
                .redirectErrorStream(true)
                .start();
        try (OutputStream input = listing.getOutputStream()) {
            input.write(log.getBytes(StandardCharsets.UTF_8));
        }
        String listed = new String(listing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(listing.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(listing.exitValue()).as(listed).isZero();
        return listed.lines().toList();
    }

    /** A portfolio always has its Owner: the identity provider's deletion of them leaves their role. */
    @Test
    void theOwnerTheIdentityProviderDeletesStaysTheOwner() {
        portfolio.member(portfolio.account("Account of owner"), ownerId, AccountRole.ANALYST);
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);

        Answer deleted = call(HttpMethod.DELETE, scimToken.body().path("token").asString(), scimUser(ownerId), null);

        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");
        Answer users = call(HttpMethod.GET, owner, path("/portfolio-users"), null);
        assertThat(users.status()).as(users.text()).isEqualTo(200);
        assertThat(users.body().path("items").values())
                .extracting(user ->
                        user.path("userId").asString() + " " + user.path("role").asString())
                .containsExactly(ownerId + " OWNER");
        Answer log = call(HttpMethod.GET, owner, path("/admin-log"), null);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString())
                .doesNotContain("PORTFOLIO_USER_REMOVED");
    }

    /**
     * The Owner who leaves offers ownership to a successor, and the identity provider deletes them
     * meanwhile (they stay the Owner until then): the successor's acceptance removes them, where it made
     * them Admin, a leaver administering the portfolio whom the identity provider no longer sees (its
     * deletion is sent once, and the user is gone from its view).
     */
    @Test
    void theOwnerTheIdentityProviderDeletedIsRemovedWhenTheSuccessorAccepts() {
        portfolio.member(portfolio.account("Account of owner"), ownerId, AccountRole.ANALYST);
        UUID successorId = accountUser("successor");
        storePortfolioUser(successorId, portfolio.email("successor"), "ADMIN");
        String successor = tokenOf(successorId, portfolio.email("successor"));
        Answer offered = call(HttpMethod.POST, owner, path("/owner-transfer"), "{\"userId\":\"" + successorId + "\"}");
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);
        Answer scimToken = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(scimToken.status()).as(scimToken.text()).isEqualTo(201);
        Answer deleted = call(HttpMethod.DELETE, scimToken.body().path("token").asString(), scimUser(ownerId), null);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(roleOf(ownerId)).isEqualTo("OWNER");

        Answer accepted = call(HttpMethod.POST, successor, path("/owner-transfer/accept"), null);

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertProblem(call(HttpMethod.GET, owner, path("/portfolio-users"), null), 403);
        Answer users = call(HttpMethod.GET, successor, path("/portfolio-users"), null);
        assertThat(users.status()).as(users.text()).isEqualTo(200);
        assertThat(users.body().path("items").values())
                .extracting(user ->
                        user.path("userId").asString() + " " + user.path("role").asString())
                .containsExactly(successorId + " OWNER");
        Answer log = call(HttpMethod.GET, successor, path("/admin-log"), null);
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        assertThat(log.body().path("items").values())
                .extracting(entry -> entry.path("action").asString() + " "
                        + entry.path("actorUserId").asString() + " "
                        + entry.path("subject").asString()
                        + " " + entry.path("detail").asString())
                .startsWith(
                        "OWNER_TRANSFER_ACCEPTED " + successorId + " " + portfolio.email("successor")
                                + " ownership accepted from " + portfolio.email("owner")
                                + ", who is no longer a portfolio user (deprovisioned by the identity provider)",
                        "PORTFOLIO_USER_REMOVED " + successorId + " " + portfolio.email("owner")
                                + " removed: deprovisioned by the identity provider before the ownership passed"
                                + " (was Owner)");
    }

    /** The portfolio's users with their roles, as the database holds them. */
    private List<String> portfolioUsers() {
        return jdbc.sql("SELECT user_id || ' ' || role FROM jobs.portfolio_users WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(String.class)
                .list();
    }

    /** The portfolio's administration log's removals and grants, newest first. */
    private List<String> adminLog() {
        return jdbc.sql("""
                        SELECT action || ' ' || actor_email || ' ' || actor_user_id || ' ' || coalesce(subject, '')
                               || ' ' || detail
                          FROM jobs.portfolio_admin_log
                         WHERE portfolio_id = :p AND action IN ('PORTFOLIO_USER_REMOVED', 'PORTFOLIO_USER_ADDED')
                         ORDER BY occurred_at DESC, id
                        """).param("p", portfolio.id()).query(String.class).list();
    }

    /** Submits, as the caller, an invitation of an outsider as ADMIN on the accounts; answers the job. */
    private UUID invite(String token, UUID... accounts) {
        String named = java.util.Arrays.stream(accounts)
                .map(account -> "{\"accountId\":\"" + account + "\",\"role\":\"ADMIN\"}")
                .collect(java.util.stream.Collectors.joining(","));
        Answer submitted = api.post(
                token,
                jobsPath(portfolio.id()),
                UUID.randomUUID().toString(),
                "{\"type\":\"INVITE_USERS\",\"emails\":[\"outsider@x.example\"],\"accounts\":[" + named + "]}");
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        return UUID.fromString(submitted.body().path("jobId").asString());
    }

    /** Submits, as the caller, an invitation of an outsider as ADMIN on the account; answers the answer. */
    private Answer submitInvitation(String token, UUID account) {
        return api.post(
                token,
                jobsPath(portfolio.id()),
                UUID.randomUUID().toString(),
                "{\"type\":\"INVITE_USERS\",\"emails\":[\"outsider@x.example\"],\"accounts\":[{\"accountId\":\""
                        + account + "\",\"role\":\"ADMIN\"}]}");
    }

    /**
     * Makes the inserts of the portfolio's tasks wait for the test's advisory lock, which the answered
     * connection holds until it rolls back; the wait is not cut short by the lock timeout the submission
     * set, which is set back after it.
     */
    private Connection holdTaskInserts() throws Exception {
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_held_submission() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE
                            timeout text := current_setting('lock_timeout');
                        BEGIN
                            PERFORM set_config('lock_timeout', '0', true);
                            PERFORM pg_advisory_xact_lock(CAST(TG_ARGV[0] AS bigint));
                            PERFORM set_config('lock_timeout', timeout, true);
                            RETURN NEW;
                        END $$
                        """).update();
        jdbc.sql("CREATE TRIGGER test_held_submission BEFORE INSERT ON jobs.bulk_tasks FOR EACH ROW"
                        + " WHEN (NEW.portfolio_id = '" + portfolio.id() + "')"
                        + " EXECUTE FUNCTION jobs.test_held_submission('" + HELD_KEY + "')")
                .update();
        Connection holder = dataSource.getConnection();
        holder.setAutoCommit(false);
        try (PreparedStatement hold = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            hold.setLong(1, HELD_KEY);
            hold.execute();
        }
        return holder;
    }

    /** The job as the Owner reads it: its status and task counts. */
    /** Who withdrew the job (jobs migration V201): their id, address and kind; {@code null}s when no one. */
    private String withdrawnBy(UUID jobId) {
        return jdbc.sql("""
                        SELECT withdrawn_by_user_id || ' ' || withdrawn_by_email || ' ' || withdrawn_by_kind AS actor,
                               withdrawn_by_user_id IS NULL AND withdrawn_by_email IS NULL
                                   AND withdrawn_by_kind IS NULL AS nobody
                          FROM jobs.bulk_jobs WHERE id = ?
                        """)
                .param(jobId)
                .query((rs, n) -> rs.getBoolean("nobody") ? "null null null" : rs.getString("actor"))
                .single();
    }

    private String jobAsOwner(UUID jobId) {
        Answer job = api.get(owner, jobPath(portfolio.id(), jobId));
        assertThat(job.status()).as(job.text()).isEqualTo(200);
        JsonNode counts = job.body().path("counts");
        return job.body().path("status").asString() + " total="
                + counts.path("total").asInt() + " pending="
                + counts.path("pending").asInt() + " succeeded="
                + counts.path("succeeded").asInt() + " cancelled="
                + counts.path("cancelled").asInt();
    }

    /** The job's tasks as the Owner lists them: each one's status and reason. */
    private List<String> taskStatuses(UUID jobId) {
        Answer tasks = api.get(owner, jobPath(portfolio.id(), jobId) + "/tasks");
        assertThat(tasks.status()).as(tasks.text()).isEqualTo(200);
        return tasks.body().path("items").values().stream()
                .map(task -> task.path("status").asString() + " "
                        + (task.path("reason").isNull() || task.path("reason").isMissingNode()
                                ? ""
                                : task.path("reason").asString()))
                .toList();
    }

    private String scimUser(UUID userId) {
        return "/scim/v2/portfolios/" + portfolio.id() + "/Users/" + userId;
    }

    private Answer submitAs(String token, UUID leaver) {
        return api.post(token, jobsPath(portfolio.id()), UUID.randomUUID().toString(), OFFBOARD.formatted(leaver));
    }
}
