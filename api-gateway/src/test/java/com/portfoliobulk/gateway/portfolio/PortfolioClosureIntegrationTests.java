package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StampedWrites;
import com.portfoliobulk.gateway.support.StubWorker;
import com.portfoliobulk.gateway.support.StubWorker.LinkAnswer;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.gateway.web.InternalServiceUrls;
import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.TestTokens;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;

/**
 * Closing a portfolio against a stand-in worker, with what happens while its accounts are unlinked;
 * permissions are the stored ones, as for every administration test.
 */
@TestPropertySource(properties = "bulk.gateway.permissions.source=database")
class PortfolioClosureIntegrationTests extends StubbedServicesIntegrationTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** The advisory lock of the test that a trigger makes a statement of the close or a submission wait for. */
    private static final long HELD_KEY = 7_310_077L;

    @Autowired
    private DataSource dataSource;

    /**
     * Ownership offered before the close cannot be accepted while the portfolio closes: the close
     * checked the Owner once, so an acceptance while the accounts were unlinked made someone else
     * Owner, and the former Owner's close then went on and removed them. The recipient is told that the
     * portfolio is closing (409), as the close withdrew their offer: before, they were told that there
     * was no offer to them (403).
     */
    @Test
    void ownershipOfferedBeforeTheCloseCannotBeAcceptedWhileItCloses() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String successor = portfolioUser(portfolio, "successor", "ADMIN");
        String base = "/api/v1/portfolios/" + portfolio.id();
        UUID successorId = userId(portfolio, "successor");
        Answer offered = api.post(owner, base + "/owner-transfer", null, "{\"userId\":\"" + successorId + "\"}");
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);
        AtomicReference<Answer> accepted = new AtomicReference<>();

        // At the first unlinking only: the close unlinks once more after it ended the portfolio.
        Answer closed = close(portfolio, owner, () -> {
            if (accepted.get() == null) {
                accepted.set(api.post(successor, base + "/owner-transfer/accept", null, null));
            }
        });

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(accepted.get().status()).as(accepted.get().text()).isEqualTo(409);
        assertThat(accepted.get().body().path("title").asString()).isEqualTo("Portfolio closing");
        assertThat(api.post(successor, base + "/owner-transfer/accept", null, null)
                        .status())
                .as("once the portfolio is closed")
                .isEqualTo(403);
        assertThat(jdbc.sql("SELECT closed_by FROM jobs.closed_portfolios WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(UUID.class)
                        .single())
                .isEqualTo(userId(portfolio, "owner"));
    }

    /**
     * While the accounts are unlinked, the Owner offers ownership and the recipient accepts (another tab,
     * another client). The offer is refused, so nothing can be accepted: before, both went through, the
     * close then found its caller no longer Owner and answered 403, and the portfolio stayed open with
     * every account unlinked and no entry of the close in the administration log.
     */
    @Test
    void ownershipCannotBeOfferedOrAcceptedWhileThePortfolioCloses() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String successor = portfolioUser(portfolio, "successor", "ADMIN");
        String base = "/api/v1/portfolios/" + portfolio.id();
        UUID successorId = userId(portfolio, "successor");
        AtomicReference<Answer> offered = new AtomicReference<>();
        AtomicReference<Answer> accepted = new AtomicReference<>();

        Answer closed = close(portfolio, owner, () -> {
            if (offered.get() == null) {
                offered.set(api.post(owner, base + "/owner-transfer", null, "{\"userId\":\"" + successorId + "\"}"));
                accepted.set(api.post(successor, base + "/owner-transfer/accept", null, null));
            }
        });

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(offered.get().status()).as(offered.get().text()).isEqualTo(409);
        assertThat(offered.get().body().path("detail").asString()).contains("closing this portfolio");
        assertThat(accepted.get().status()).as(accepted.get().text()).isEqualTo(403);
        assertThat(markedClosed(portfolio)).isTrue();
        assertThat(adminLog(portfolio)).containsExactly("PORTFOLIO_CLOSED", "PORTFOLIO_CLOSE_STARTED");
    }

    /**
     * A close that failed half way (here the worker fails the unlinking) still keeps ownership where it
     * is: the Owner closes again, and the offer in between is refused. The administration log shows the
     * close that began and failed: it had no entry of it, though jobs may have been cancelled and
     * accounts unlinked.
     */
    @Test
    void ownershipCannotBeOfferedAfterACloseFailedHalfWay() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        portfolioUser(portfolio, "successor", "ADMIN");
        String base = "/api/v1/portfolios/" + portfolio.id();
        UUID successorId = userId(portfolio, "successor");

        Answer failed = close(portfolio, owner, () -> {
            throw new IllegalStateException("the worker fails the unlinking");
        });
        assertThat(failed.status()).as(failed.text()).isEqualTo(503);
        assertThat(adminLog(portfolio)).containsExactly("PORTFOLIO_CLOSE_STARTED");
        Answer offered = api.post(owner, base + "/owner-transfer", null, "{\"userId\":\"" + successorId + "\"}");

        assertThat(offered.status()).as(offered.text()).isEqualTo(409);
        assertThat(close(portfolio, owner, () -> {}).status()).isEqualTo(200);
        assertThat(markedClosed(portfolio)).isTrue();
        assertThat(adminLog(portfolio))
                .containsExactly("PORTFOLIO_CLOSED", "PORTFOLIO_CLOSE_STARTED", "PORTFOLIO_CLOSE_STARTED");
    }

    /**
     * The close cancels the pending job and the worker unlinks both accounts, but its answer does not
     * come in time (here it fails after the unlinks): 503. The Owner sends the close again with the same
     * token, and it has nothing left to do itself. Its answer and its PORTFOLIO_CLOSED entry state the
     * whole close: 2 accounts unlinked, 1 pending job cancelled (not the job an Admin cancelled before
     * the close began). Before, both said 0 of each, what the last attempt did. A closed portfolio's log
     * is not served any more (403), so it is read from the database. Each attempt logs the jobs it
     * cancelled, one INFO line naming the portfolio and the Owner, the last one the whole close's, as a
     * restore of the database lists the cancels to make again; before, a close's cancels logged nothing.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aCloseSentAgainAfterOneThatFailedHalfWayCountsWhatTheWholeCloseDid(CapturedOutput output) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String admin = portfolioUser(portfolio, "admin", "ADMIN");
        UUID brand = portfolio.account("Brand");
        UUID store = portfolio.account("Store");
        Answer cancelledBefore = submitInvitation(admin, portfolio, brand);
        assertThat(cancelledBefore.status()).as(cancelledBefore.text()).isEqualTo(202);
        Answer cancel = api.post(
                admin,
                jobPath(portfolio.id(), cancelledBefore.body().path("jobId").asString()) + "/cancel",
                null,
                null);
        assertThat(cancel.status()).as(cancel.text()).isEqualTo(202);
        Answer pending = submitInvitation(admin, portfolio, store);
        assertThat(pending.status()).as(pending.text()).isEqualTo(202);
        String confirmation = closureToken(portfolio, owner);

        Answer failed = close(portfolio, owner, confirmation, () -> {
            directory.unlink(brand);
            directory.unlink(store);
            throw new IllegalStateException("the worker unlinked the accounts, and its answer did not come in time");
        });
        assertThat(failed.status()).as(failed.text()).isEqualTo(503);
        Answer closed = close(portfolio, owner, confirmation, () -> {});

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(closed.body().path("unlinkedAccounts").asLong()).isEqualTo(2);
        assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                + " AND action = 'PORTFOLIO_CLOSED'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .isEqualTo("closed: 2 account(s) unlinked, 1 pending job(s) cancelled");
        // The jobs a close cancelled are logged, as every cancel is, for a restore of the database to list.
        String who = "Close of portfolio " + portfolio.id() + " at the request of user " + userId(portfolio, "owner");
        String job = pending.body().path("jobId").asString();
        assertThat(output.getOut())
                .contains(who + ": 1 job(s) cancelled (" + job
                        + "); the close failed half way, the portfolio is still open")
                .contains(who + ": 1 job(s) cancelled (" + job + "); the portfolio is closed, 2 account(s) unlinked")
                .doesNotContain(cancelledBefore.body().path("jobId").asString() + ")");
    }

    /**
     * During an upgrade, a close begun by a gateway of the version before (which notes no start of the
     * close) fails after the worker unlinked every account, and the Owner sends it again to a gateway of
     * this version within the hold. Its answer and its PORTFOLIO_CLOSED entry count the accounts the
     * earlier attempt unlinked; before, they said 0 account(s) unlinked.
     */
    @Test
    void aCloseBegunByAGatewayOfTheVersionBeforeAndSentAgainCountsWhatTheEarlierAttemptDid() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        UUID brand = portfolio.account("Brand");
        UUID store = portfolio.account("Store");
        String confirmation = closureToken(portfolio, owner);
        // As the earlier gateway left it two minutes ago: its entry, its notes of the unlinks it asked
        // for, the accounts unlinked by the worker, the close marked under way, and no start noted.
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_admin_log
                            (id, portfolio_id, occurred_at, action, actor_user_id, actor_email, detail)
                        VALUES (?, ?, now() - interval '2 minutes', 'PORTFOLIO_CLOSE_STARTED', ?, ?,
                                'closing: pending jobs are cancelled and every account unlinked')
                        """)
                .params(UUID.randomUUID(), portfolio.id(), userId(portfolio, "owner"), portfolio.email("owner"))
                .update();
        for (UUID account : List.of(brand, store)) {
            jdbc.sql("""
                            INSERT INTO jobs.account_unlinks_asked (portfolio_id, account_id, asked_at)
                            VALUES (?, ?, now() - interval '2 minutes')
                            """).params(portfolio.id(), account).update();
            directory.unlink(account);
        }
        jdbc.sql("""
                        UPDATE jobs.closure_tokens SET closing_since = now() - interval '1 minute', close_started_at = NULL
                         WHERE portfolio_id = ?
                        """).param(portfolio.id()).update();

        Answer closed = close(portfolio, owner, confirmation, () -> {});

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(closed.body().path("unlinkedAccounts").asLong()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                + " AND action = 'PORTFOLIO_CLOSED'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .isEqualTo("closed: 2 account(s) unlinked, 0 pending job(s) cancelled");
    }

    /**
     * While the accounts are unlinked (minutes for thousands of them), an Admin submits a job and cancels
     * it. The close's answer and its PORTFOLIO_CLOSED entry count the job the close cancelled, not the
     * Admin's: before, they counted every job of the portfolio cancelled since the close began, 2 here.
     */
    @Test
    void aJobAnAdminCancelsWhileThePortfolioClosesIsNotCountedAsTheClose() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String admin = portfolioUser(portfolio, "admin", "ADMIN");
        UUID store = portfolio.account("Store");
        Answer pending = submitInvitation(admin, portfolio, portfolio.account("Brand"));
        assertThat(pending.status()).as(pending.text()).isEqualTo(202);
        AtomicReference<Answer> cancelledByAdmin = new AtomicReference<>();

        Answer closed = close(portfolio, owner, () -> {
            if (cancelledByAdmin.get() == null) {
                Answer submitted = submitInvitation(admin, portfolio, store);
                assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
                cancelledByAdmin.set(api.post(
                        admin,
                        jobPath(portfolio.id(), submitted.body().path("jobId").asString()) + "/cancel",
                        null,
                        null));
            }
        });

        assertThat(cancelledByAdmin.get().status())
                .as(cancelledByAdmin.get().text())
                .isEqualTo(202);
        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(1);
        assertThat(jdbc.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                + " AND action = 'PORTFOLIO_CLOSED'")
                        .param(portfolio.id())
                        .query(String.class)
                        .single())
                .endsWith(", 1 pending job(s) cancelled");
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = ? AND status = 'CANCELLED'")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isEqualTo(2);
    }

    /**
     * The worker unlinks every account and then the close fails (the worker restarts, or its answer
     * does not come in time): the portfolio stays open, and it still reads the activity log of an
     * account it had from its setup, which has no link entry in the administration log. Before, the
     * worker's unlinks left no note of the account, and its activity log answered 404 for good.
     */
    @Test
    void aCloseThatFailsAfterTheUnlinksLeavesTheAccountsActivityLogsReadable() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        UUID account = portfolio.account("Set up with the portfolio");

        Answer failed = close(portfolio, owner, () -> {
            directory.unlink(account);
            throw new IllegalStateException("the worker unlinked the accounts and then failed");
        });

        assertThat(failed.status()).as(failed.text()).isEqualTo(503);
        assertThat(markedClosed(portfolio)).isFalse();
        Answer activity =
                api.get(owner, "/api/v1/portfolios/" + portfolio.id() + "/accounts/" + account + "/activity-log");
        assertThat(activity.status()).as(activity.text()).isEqualTo(200);
        assertThat(activity.body().path("items").get(0).path("entryId").asString())
                .isEqualTo(StubWorker.ACTIVITY_LOG_ENTRY_ID);
    }

    /**
     * The close's last transaction withdraws an offer made meanwhile (by a gateway of the version before
     * this one, which does not refuse it; written straight to the database here) and then logs the close,
     * and the administration log, newest first, lists the close above the withdrawal. Entries of one
     * transaction used to share its time and fall in the order of their random ids: the close below its
     * withdrawal about every other time (six closes leave that to chance once in 64 runs).
     */
    @Test
    void theLogListsOneTransactionsEntriesInTheOrderTheyWereWritten() {
        for (int close = 0; close < 6; close++) {
            DirectorySeed.Portfolio portfolio = directory.portfolio();
            String owner = portfolioUser(portfolio, "owner", "OWNER");
            portfolioUser(portfolio, "successor", "ADMIN");
            UUID ownerId = userId(portfolio, "owner");
            UUID successorId = userId(portfolio, "successor");

            AtomicInteger unlinks = new AtomicInteger();

            // At the first unlinking only: the close unlinks once more after it ended the portfolio.
            Answer closed = close(portfolio, owner, () -> {
                if (unlinks.incrementAndGet() == 1) {
                    jdbc.sql(
                                    "INSERT INTO jobs.owner_transfers (portfolio_id, from_user_id, to_user_id) VALUES (?, ?, ?)")
                            .params(portfolio.id(), ownerId, successorId)
                            .update();
                }
            });

            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            assertThat(jdbc.sql("SELECT count(*) FROM jobs.owner_transfers WHERE portfolio_id = ?")
                            .param(portfolio.id())
                            .query(Long.class)
                            .single())
                    .isZero();
            assertThat(adminLog(portfolio))
                    .as("close %d", close)
                    .containsExactly("PORTFOLIO_CLOSED", "OWNER_TRANSFER_WITHDRAWN", "PORTFOLIO_CLOSE_STARTED");
        }
    }

    /** The actions of the portfolio's administration log, newest first, as its API lists them. */
    private List<String> adminLog(DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("SELECT action FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                        + " ORDER BY occurred_at DESC, id DESC")
                .param(portfolio.id())
                .query(String.class)
                .list();
    }

    /**
     * The closure token runs out while the accounts are unlinked (a close sent in its last moments, or
     * many accounts): the close, checked with the token when it began, still ends with the portfolio
     * closed, not with its accounts unlinked and a 422 asking for a new token.
     */
    @Test
    void aTokenThatExpiresWhileTheAccountsAreUnlinkedStillClosesThePortfolio() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");

        Answer closed = close(
                portfolio,
                owner,
                () -> jdbc.sql(
                                "UPDATE jobs.closure_tokens SET expires_at = now() - interval '1 second' WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .update());

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(markedClosed(portfolio)).isTrue();
    }

    /**
     * A close deletes the portfolio's SCIM users, with the identity provider's {@code externalId} and
     * {@code displayName} of each, deleted or not; another portfolio's stay. Before, every row stayed for
     * good, though a closed portfolio's identity provider has no token left to read them with.
     */
    @Test
    void theCloseDeletesThePortfoliosScimUsers() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String scimToken = scimToken(portfolio, owner);
        UUID ann = scimUser(portfolio, scimToken, "ann", "Ann Smith");
        UUID bob = scimUser(portfolio, scimToken, "bob", "Bob Jones");
        Answer deleted = api.delete(scimToken, scimUsersPath(portfolio) + "/" + bob);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        DirectorySeed.Portfolio other = directory.portfolio();
        jdbc.sql("INSERT INTO jobs.scim_users (portfolio_id, user_id, external_id, display_name) VALUES (?, ?, ?, ?)")
                .params(other.id(), ann, "other-ann", "Ann Smith")
                .update();
        assertThat(scimUsers(portfolio.id())).isEqualTo(2);

        Answer closed = close(portfolio, owner, () -> {});

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(scimUsers(portfolio.id())).isZero();
        assertThat(scimUsers(other.id())).isEqualTo(1);
    }

    /**
     * The identity provider deletes a user while the close's last step runs (held here at its
     * PORTFOLIO_CLOSED entry, with the portfolio's closure lock taken and its SCIM users not yet
     * deleted): the deletion waits for the close before it holds the user's row, and is refused as a
     * closed portfolio's changes are (403), storing nothing; the close answers 200 and leaves no SCIM
     * user. Had the deletion held the user's row while it waited for the closure lock, the close's
     * deletion of the SCIM users would have waited for it in turn, and PostgreSQL would have aborted one
     * of them as a deadlock.
     */
    @Test
    void aScimDeletionWhileTheCloseEndsWaitsForItAndIsRefused() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String scimToken = scimToken(portfolio, owner);
        UUID ann = scimUser(portfolio, scimToken, "ann", "Ann Smith");
        portfolio.member(portfolio.account("Brand"), ann, AccountRole.ANALYST);

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdInserts("jobs.closed_portfolios", portfolio)) {
            jdbc.sql("CREATE TRIGGER test_held_insert BEFORE INSERT ON jobs.portfolio_admin_log FOR EACH ROW"
                            + " WHEN (NEW.portfolio_id = '" + portfolio.id() + "' AND NEW.action = 'PORTFOLIO_CLOSED')"
                            + " EXECUTE FUNCTION jobs.test_held_insert('" + HELD_KEY + "')")
                    .update();
            Future<Answer> closing = requests.submit(() -> close(portfolio, owner, () -> {}));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.portfolio_admin_log", PATIENCE);
            Future<Answer> deleting =
                    requests.submit(() -> api.delete(scimToken, scimUsersPath(portfolio) + "/" + ann));
            await().atMost(PATIENCE)
                    .until(() -> deleting.isDone() || LockWaits.anyIn(dataSource, "pg_advisory_xact_lock_shared"));
            holder.rollback();

            Answer closed = closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            Answer deleted = deleting.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(deleted.status()).as(deleted.text()).isEqualTo(403);
            assertThat(deleted.text()).contains("was closed");
            assertThat(scimUsers(portfolio.id())).isZero();
            assertThat(jobCount(portfolio.id())).isZero();
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_insert ON jobs.portfolio_admin_log")
                    .update();
            dropHeldInserts("jobs.closed_portfolios");
        }
    }

    /** A SCIM token of the portfolio, created by its Owner. */
    private String scimToken(DirectorySeed.Portfolio portfolio, String owner) {
        Answer created = api.post(
                owner, "/api/v1/portfolios/" + portfolio.id() + "/scim-tokens", null, "{\"name\":\"Entra ID\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.body().path("token").asString();
    }

    private static String scimUsersPath(DirectorySeed.Portfolio portfolio) {
        return "/scim/v2/portfolios/" + portfolio.id() + "/Users";
    }

    /**
     * A directory user the portfolio's identity provider creates (links: the stand-in worker finds the
     * user by address) with an externalId and {@code displayName}.
     */
    private UUID scimUser(DirectorySeed.Portfolio portfolio, String scimToken, String name, String displayName) {
        UUID id = portfolio.user(name);
        worker.provisionUsersWith(email -> directory.userIdByEmail(email).orElseThrow());
        Answer created = api.post(scimToken, scimUsersPath(portfolio), null, """
                {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","externalId":"%s",
                 "displayName":"%s"}
                """.formatted(
                        portfolio.email(name), UUID.randomUUID(), displayName));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.body().path("id").asString()).isEqualTo(id.toString());
        return id;
    }

    private long scimUsers(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.scim_users WHERE portfolio_id = ?")
                .param(portfolioId)
                .query(Long.class)
                .single();
    }

    /**
     * The closure token's expiry is the validity after the database's time of the statement that stores
     * it, the clock the close checks it with, and the answer names the stored expiry. Before, the gateway's
     * clock set it: with gateways whose clocks differ, a token from one whose clock is behind was refused
     * early by the others, and one from a gateway whose clock is ahead was accepted for too long.
     */
    @Test
    void theTokensExpiryIsTheValidityAfterTheDatabasesTimeAndTheAnswerNamesIt() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        try (StampedWrites stamps = StampedWrites.on(
                jdbc,
                "jobs.closure_tokens",
                "INSERT OR UPDATE",
                "expires_at",
                "statement_timestamp()",
                "NEW.portfolio_id = '" + portfolio.id() + "'")) {
            Answer closure = api.post(owner, "/api/v1/portfolios/" + portfolio.id() + "/closure", null, null);

            assertThat(closure.status()).as(closure.text()).isEqualTo(201);
            assertThat(stamps.differences())
                    .as("the stored expiry after the database's time of the statement")
                    .containsExactly("00:10:00");
            OffsetDateTime stored = jdbc.sql("SELECT expires_at FROM jobs.closure_tokens WHERE portfolio_id = ?")
                    .param(portfolio.id())
                    .query(OffsetDateTime.class)
                    .single();
            assertThat(Instant.parse(closure.body().path("expiresAt").asString()))
                    .as("the answer's expiresAt")
                    .isEqualTo(stored.toInstant());
        }
    }

    /**
     * Each of a close's calls to the worker to unlink its accounts goes on starting batches for {@code
     * bulk.gateway.close.unlink-call-budget}, and must be answered within the 5 s the gateway waits: a
     * budget that would not leave a batch the time to end, or none at all, stops the gateway from
     * starting, naming the setting.
     */
    @Test
    void anUnlinkCallBudgetTheWaitForTheWorkerCannotHoldStopsTheGateway() {
        InternalServiceUrls worker = new InternalServiceUrls("http://localhost:8081", "http://localhost:8082");
        for (Duration budget : List.of(Duration.ofSeconds(5), Duration.ofMillis(4001), Duration.ZERO)) {
            assertThatThrownBy(() -> new WorkerLinks(worker, budget, null))
                    .as(budget.toString())
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageContaining("bulk.gateway.close.unlink-call-budget must be from 1ms to 4s");
        }
    }

    /**
     * An account linked while the close ran (by a gateway that still held the Owner's permissions) is
     * unlinked too: the close unlinks every account once more after it marked the portfolio closed, when
     * the worker links none to it any more.
     */
    @Test
    void theCloseUnlinksOnceMoreAfterThePortfolioIsMarkedClosed() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        List<Boolean> markedClosedAtEachUnlink = new CopyOnWriteArrayList<>();

        Answer closed = close(portfolio, owner, () -> markedClosedAtEachUnlink.add(markedClosed(portfolio)));

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(markedClosedAtEachUnlink).containsExactly(false, true);
    }

    /**
     * The Owner links an account (in another tab, say) after the close noted the accounts it asks to
     * unlink and before the worker unlinks them: here while the close's first unlinking of every account
     * is held at the stand-in worker, which then unlinks every account linked, as the worker does. The
     * account is unlinked with the others, and the close's answer and its PORTFOLIO_CLOSED entry count it:
     * 2 accounts unlinked. Before, they said 1: the close counted the accounts it had noted, and this one
     * had no note.
     */
    @Test
    void anAccountLinkedAfterTheCloseNotedItsUnlinksIsCountedAsUnlinked() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        UUID brand = portfolio.account("Brand");
        UUID linkedMeanwhile = portfolio.unlinkedAccount("Linked while the portfolio closes");
        worker.changeLinksWith(change -> {
            int linked = jdbc.sql(
                            "UPDATE directory.accounts SET portfolio_id = ? WHERE id = ? AND portfolio_id IS NULL")
                    .params(change.portfolioId(), change.accountId())
                    .update();
            return new LinkAnswer(200, "{\"linked\":" + (linked == 1) + "}");
        });
        AtomicReference<Answer> linked = new AtomicReference<>();
        try {
            // At the first unlinking only: the close unlinks once more after it ended the portfolio.
            Answer closed = close(portfolio, owner, () -> {
                if (linked.get() == null) {
                    linked.set(api.post(
                            owner,
                            "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts",
                            null,
                            "{\"accountId\":\"" + linkedMeanwhile + "\"}"));
                    jdbc.sql("UPDATE directory.accounts SET portfolio_id = NULL WHERE portfolio_id = ?")
                            .param(portfolio.id())
                            .update();
                }
            });

            assertThat(linked.get().status()).as(linked.get().text()).isEqualTo(201);
            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            assertThat(closed.body().path("unlinkedAccounts").asLong()).isEqualTo(2);
            assertThat(jdbc.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                    + " AND action = 'PORTFOLIO_CLOSED'")
                            .param(portfolio.id())
                            .query(String.class)
                            .single())
                    .isEqualTo("closed: 2 account(s) unlinked, 0 pending job(s) cancelled");
            assertThat(jdbc.sql("SELECT count(*) FROM directory.accounts WHERE id IN (?, ?) AND portfolio_id IS NULL")
                            .params(brand, linkedMeanwhile)
                            .query(Long.class)
                            .single())
                    .isEqualTo(2);
        } finally {
            worker.changeLinksWith(null);
        }
    }

    /**
     * The last unlink runs once the portfolio is closed: a worker that fails it does not fail the close,
     * which could not be sent again (its token and Owner are gone). An account it left linked is unlinked
     * by the worker when another portfolio links it (AccountLinksIntegrationTests).
     */
    @Test
    void aWorkerThatFailsTheLastUnlinkDoesNotFailTheClose() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        AtomicInteger unlinks = new AtomicInteger();

        Answer closed = close(portfolio, owner, () -> {
            if (unlinks.incrementAndGet() > 1) {
                throw new IllegalStateException("the worker fails");
            }
        });

        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
        assertThat(unlinks).hasValueGreaterThan(1);
        assertThat(markedClosed(portfolio)).isTrue();
    }

    /**
     * An Admin's job commits its tasks after the close's second cancelling listed the pending jobs (a
     * trigger holds its task insert until the close's last step waits, or has answered). The close's
     * last step waits for it, and the close then cancels it and counts it. Before, the close answered
     * without it, and the job ran to the end with every task skipped (ACCOUNT_NOT_IN_PORTFOLIO). The
     * administration log's PORTFOLIO_CLOSED entry counts it too, as the answer does: it said "0 pending
     * job(s) cancelled" where the answer said 1. A closed portfolio's log is not served any more (403),
     * so it is read from the database.
     */
    @Test
    void aJobSubmittedAsTheCloseEndsIsCancelledWithIt() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String admin = portfolioUser(portfolio, "admin", "ADMIN");
        UUID account = portfolio.account("Brand");

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdInserts("jobs.bulk_tasks", portfolio)) {
            Future<Answer> submitted = requests.submit(() -> submitInvitation(admin, portfolio, account));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.bulk_tasks", PATIENCE);
            Future<Answer> closing = requests.submit(() -> close(portfolio, owner, () -> {}));
            await().atMost(PATIENCE)
                    .until(() ->
                            closing.isDone() || LockWaits.anyIn(dataSource, "pg_advisory_xact_lock(hashtextextended"));
            holder.rollback();

            Answer job = submitted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(job.status()).as(job.text()).isEqualTo(202);
            Answer closed = closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(1);
            assertThat(jdbc.sql("SELECT detail FROM jobs.portfolio_admin_log WHERE portfolio_id = ?"
                                    + " AND action = 'PORTFOLIO_CLOSED'")
                            .param(portfolio.id())
                            .query(String.class)
                            .single())
                    .isEqualTo(
                            "closed: " + closed.body().path("unlinkedAccounts").asLong() + " account(s) unlinked, "
                                    + closed.body().path("cancelledJobs").asLong() + " pending job(s) cancelled");
            assertThat(jdbc.sql("SELECT status FROM jobs.bulk_jobs WHERE id = ?")
                            .param(UUID.fromString(job.body().path("jobId").asString()))
                            .query(String.class)
                            .single())
                    .isEqualTo("CANCELLED");
        } finally {
            dropHeldInserts("jobs.bulk_tasks");
        }
    }

    /**
     * PostgreSQL aborts the close's cancellation of a job submitted as the close ends as a deadlock (here
     * a test trigger raises SQLSTATE 40P01 at the job's first cancellation, as the deadlock detector does
     * for its victim; the submission is held as in the test above). The cancellation is tried again from
     * a savepoint taken before the attempt, and the close answers 200 with the job cancelled and counted.
     * Before, the retry ran on in the savepoint the deadlock had aborted, failed with "current transaction
     * is aborted" (25P02), and so did the close (500), though every account was unlinked.
     */
    @Test
    void aCancellationThatDeadlocksInTheClosesLastStepIsTriedAgainAndTheCloseEnds() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String admin = portfolioUser(portfolio, "admin", "ADMIN");
        UUID account = portfolio.account("Brand");

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdInserts("jobs.bulk_tasks", portfolio)) {
            jdbc.sql("CREATE SEQUENCE jobs.test_deadlock_once").update();
            jdbc.sql("""
                            CREATE FUNCTION jobs.test_deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$
                            BEGIN
                                IF nextval('jobs.test_deadlock_once') = 1 THEN
                                    RAISE EXCEPTION 'deadlock detected (raised by the test)'
                                        USING ERRCODE = 'deadlock_detected';
                                END IF;
                                RETURN NEW;
                            END $$
                            """).update();
            jdbc.sql("CREATE TRIGGER test_deadlock_once BEFORE UPDATE ON jobs.bulk_jobs FOR EACH ROW"
                            + " WHEN (NEW.portfolio_id = '" + portfolio.id() + "' AND NEW.status = 'CANCELLED'"
                            + " AND OLD.status <> 'CANCELLED')"
                            + " EXECUTE FUNCTION jobs.test_deadlock_once()")
                    .update();
            Future<Answer> submitted = requests.submit(() -> submitInvitation(admin, portfolio, account));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.bulk_tasks", PATIENCE);
            Future<Answer> closing = requests.submit(() -> close(portfolio, owner, () -> {}));
            await().atMost(PATIENCE)
                    .until(() ->
                            closing.isDone() || LockWaits.anyIn(dataSource, "pg_advisory_xact_lock(hashtextextended"));
            holder.rollback();

            UUID job = jobId(submitted);
            Answer closed = closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(1);
            assertThat(jdbc.sql("SELECT last_value FROM jobs.test_deadlock_once")
                            .query(Long.class)
                            .single())
                    .as("cancellations of the job tried: the one aborted as a deadlock, then the one that went through")
                    .isEqualTo(2);
            assertThat(jdbc.sql("SELECT status FROM jobs.bulk_jobs WHERE id = ?")
                            .param(job)
                            .query(String.class)
                            .single())
                    .isEqualTo("CANCELLED");
            assertThat(markedClosed(portfolio)).isTrue();
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_deadlock_once ON jobs.bulk_jobs")
                    .update();
            jdbc.sql("DROP FUNCTION IF EXISTS jobs.test_deadlock_once()").update();
            jdbc.sql("DROP SEQUENCE IF EXISTS jobs.test_deadlock_once").update();
            dropHeldInserts("jobs.bulk_tasks");
        }
    }

    /**
     * Two Admins' jobs commit after the close's second cancelling listed the pending jobs, and the relay
     * (here a test connection, with the relay's statement) advances both as the close's last step cancels
     * them: it locks the lower job id's row and waits for the other's. The close locks what it cancels in
     * the relay's and the worker's order, so it waits for the relay, which goes on: the close answers 200
     * with both jobs cancelled. Before, it cancelled them one after another (here the later job first,
     * as it listed them) and held the first one's row while it waited for the relay's; PostgreSQL aborted
     * the close as a deadlock, and the Owner got an error though every account was unlinked.
     *
     * <p>The test connection holds the portfolio's closure lock until both jobs committed and it holds
     * the first row, so the close's last step begins only then; the second job's row is inserted first
     * (a trigger holds the first job's insert), so the close lists it first.
     */
    @Test
    void theCloseCancelsTheJobsSubmittedAsItEndsWithoutDeadlockingWithTheRelay() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String first = portfolioUser(portfolio, "first", "ADMIN");
        String second = portfolioUser(portfolio, "second", "ADMIN");
        UUID brand = portfolio.account("Brand");
        UUID store = portfolio.account("Store");
        // The key ClosureLock takes: held shared, as a submission holds it, the close's last step waits.
        String closureKey = "portfolio-closure:" + portfolio.id();
        String relayAdvance = "SELECT id FROM jobs.bulk_jobs WHERE id = ANY(?) ORDER BY id FOR UPDATE";

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection relay = dataSource.getConnection();
                Connection holder = holdInserts("jobs.bulk_tasks", portfolio)) {
            try {
                execute(relay, "SELECT pg_advisory_lock_shared(hashtextextended(?, 0))", closureKey);
                jdbc.sql("CREATE TRIGGER test_held_insert BEFORE INSERT ON jobs.bulk_jobs FOR EACH ROW"
                                + " WHEN (NEW.requested_by_user_id = '" + userId(portfolio, "first") + "')"
                                + " EXECUTE FUNCTION jobs.test_held_insert('" + HELD_KEY + "')")
                        .update();
                Future<Answer> firstJob = requests.submit(() -> submitInvitation(first, portfolio, brand));
                LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.bulk_jobs", PATIENCE);
                Future<Answer> secondJob = requests.submit(() -> submitInvitation(second, portfolio, store));
                LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.bulk_tasks", PATIENCE);
                Future<Answer> closing = requests.submit(() -> close(portfolio, owner, () -> {}));
                await().atMost(PATIENCE)
                        .until(() -> closing.isDone()
                                || LockWaits.anyIn(dataSource, "pg_advisory_xact_lock(hashtextextended"));
                holder.rollback();
                UUID[] jobs = {jobId(firstJob), jobId(secondJob)};

                // The relay's ADVANCE, stopped after its first row: the lower job id's.
                relay.setAutoCommit(false);
                execute(relay, relayAdvance + " LIMIT 1", relay.createArrayOf("uuid", jobs));
                execute(relay, "SELECT pg_advisory_unlock_shared(hashtextextended(?, 0))", closureKey);
                LockWaits.awaitLockWait(
                        dataSource,
                        "the close's, in a statement on the jobs",
                        waiting -> waiting.query().contains("jobs.bulk_jobs")
                                && !waiting.query().contains("relayed_seq"),
                        PATIENCE);
                execute(relay, relayAdvance, relay.createArrayOf("uuid", jobs));
                relay.commit();

                Answer closed = closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertThat(closed.status()).as(closed.text()).isEqualTo(200);
                assertThat(closed.body().path("cancelledJobs").asLong()).isEqualTo(2);
                assertThat(jdbc.sql("SELECT status FROM jobs.bulk_jobs WHERE id IN (?, ?)")
                                .params(jobs[0], jobs[1])
                                .query(String.class)
                                .list())
                        .containsExactly("CANCELLED", "CANCELLED");
            } finally {
                if (!relay.getAutoCommit()) {
                    relay.rollback();
                    relay.setAutoCommit(true);
                }
                execute(relay, "SELECT pg_advisory_unlock_all()");
            }
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_held_insert ON jobs.bulk_jobs")
                    .update();
            dropHeldInserts("jobs.bulk_tasks");
        }
    }

    private static void execute(Connection connection, String sql, Object... params) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.execute();
        }
    }

    private static UUID jobId(Future<Answer> submitted) throws Exception {
        Answer job = submitted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(job.status()).as(job.text()).isEqualTo(202);
        return UUID.fromString(job.body().path("jobId").asString());
    }

    /**
     * An Admin submits while the close's last step is marking the portfolio closed (a trigger holds its
     * mark until the submission waits, or has answered): the submission waits for the close and is
     * refused as a closed portfolio's requests are (403), storing nothing. Before, it stored a job that
     * no one cancelled.
     */
    @Test
    void aJobSubmittedWhileTheCloseMarksThePortfolioClosedIsRefused() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String admin = portfolioUser(portfolio, "admin", "ADMIN");
        UUID account = portfolio.account("Brand");

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdInserts("jobs.closed_portfolios", portfolio)) {
            Future<Answer> closing = requests.submit(() -> close(portfolio, owner, () -> {}));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.closed_portfolios", PATIENCE);
            Future<Answer> submitted = requests.submit(() -> submitInvitation(admin, portfolio, account));
            await().atMost(PATIENCE)
                    .until(() -> submitted.isDone() || LockWaits.anyIn(dataSource, "pg_advisory_xact_lock_shared"));
            holder.rollback();

            Answer closed = closing.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(closed.status()).as(closed.text()).isEqualTo(200);
            Answer job = submitted.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertProblem(job, 403);
            assertThat(job.body().path("detail").asString()).contains("was closed");
            assertThat(jobCount(portfolio.id())).isZero();
        } finally {
            dropHeldInserts("jobs.closed_portfolios");
        }
    }

    /**
     * The Owner asks for a closure token while the recipient of their offer accepts it (the acceptance
     * held by a trigger at its admin log entry, its last write, with the roles swapped and the offer
     * gone): the token waits for the acceptance, as the close does, and the former Owner is refused
     * (403); the new Owner's own token then closes the portfolio. Before, the Owner was checked apart
     * from the token's issue, without waiting: the former Owner got 201 and a token as ownership passed,
     * and one issued that way after the new Owner's replaced theirs.
     */
    @Test
    void aClosureTokenAskedForWhileOwnershipIsAcceptedIsRefusedOnceItPassed() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = portfolioUser(portfolio, "owner", "OWNER");
        String successor = portfolioUser(portfolio, "successor", "ADMIN");
        String base = "/api/v1/portfolios/" + portfolio.id();
        Answer offered = api.post(
                owner, base + "/owner-transfer", null, "{\"userId\":\"" + userId(portfolio, "successor") + "\"}");
        assertThat(offered.status()).as(offered.text()).isEqualTo(202);

        try (ExecutorService requests = Executors.newVirtualThreadPerTaskExecutor();
                Connection holder = holdInserts("jobs.portfolio_admin_log", portfolio)) {
            Future<Answer> accepting =
                    requests.submit(() -> api.post(successor, base + "/owner-transfer/accept", null, null));
            LockWaits.awaitLockWait(dataSource, "INSERT INTO jobs.portfolio_admin_log", PATIENCE);
            Future<Answer> asking = requests.submit(() -> api.post(owner, base + "/closure", null, null));
            await().atMost(PATIENCE)
                    .until(() -> asking.isDone() || LockWaits.anyIn(dataSource, "FROM jobs.owner_transfers"));
            holder.rollback();

            Answer accepted = accepting.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
            Answer token = asking.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertProblem(token, 403);
        } finally {
            dropHeldInserts("jobs.portfolio_admin_log");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.closure_tokens WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
        Answer closed = close(portfolio, successor, () -> {});
        assertThat(closed.status()).as(closed.text()).isEqualTo(200);
    }

    private Answer submitInvitation(String token, DirectorySeed.Portfolio portfolio, UUID account) {
        return api.post(token, jobsPath(portfolio.id()), UUID.randomUUID().toString(), """
                {"type":"INVITE_USERS","emails":["new@brand.example"],"accounts":[{"accountId":"%s"}]}
                """.formatted(account));
    }

    /**
     * Makes the inserts of the portfolio's rows into {@code table} wait for the test's advisory lock,
     * which the answered connection holds until it rolls back. The wait is not cut short by the lock
     * timeout the inserting transaction set (a submission's duplicate-wait, 5 s, which a busy machine
     * used up before the close reached its last step, and the submission answered 409); the timeout is
     * set back after it.
     */
    private Connection holdInserts(String table, DirectorySeed.Portfolio portfolio) throws Exception {
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_held_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                        DECLARE
                            timeout text := current_setting('lock_timeout');
                        BEGIN
                            PERFORM set_config('lock_timeout', '0', true);
                            PERFORM pg_advisory_xact_lock(CAST(TG_ARGV[0] AS bigint));
                            PERFORM set_config('lock_timeout', timeout, true);
                            RETURN NEW;
                        END $$
                        """).update();
        jdbc.sql("CREATE TRIGGER test_held_insert BEFORE INSERT ON " + table + " FOR EACH ROW"
                        + " WHEN (NEW.portfolio_id = '" + portfolio.id() + "')"
                        + " EXECUTE FUNCTION jobs.test_held_insert('" + HELD_KEY + "')")
                .update();
        Connection holder = dataSource.getConnection();
        holder.setAutoCommit(false);
        try (PreparedStatement hold = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            hold.setLong(1, HELD_KEY);
            hold.execute();
        }
        return holder;
    }

    private void dropHeldInserts(String table) {
        jdbc.sql("DROP TRIGGER IF EXISTS test_held_insert ON " + table).update();
        jdbc.sql("DROP FUNCTION IF EXISTS jobs.test_held_insert()").update();
    }

    /**
     * Asks for the closure token, then closes the portfolio as its Owner, the stand-in worker running
     * {@code duringUnlinkAll} at each unlinking of every account.
     */
    private Answer close(DirectorySeed.Portfolio portfolio, String owner, Runnable duringUnlinkAll) {
        return close(portfolio, owner, closureToken(portfolio, owner), duringUnlinkAll);
    }

    /** The Owner's closure token (POST closure). */
    private String closureToken(DirectorySeed.Portfolio portfolio, String owner) {
        Answer closure = api.post(owner, "/api/v1/portfolios/" + portfolio.id() + "/closure", null, null);
        assertThat(closure.status()).as(closure.text()).isEqualTo(201);
        return closure.body().path("confirmation").asString();
    }

    /** Closes the portfolio with {@code confirmation}, the stand-in worker as for the close above. */
    private Answer close(
            DirectorySeed.Portfolio portfolio, String owner, String confirmation, Runnable duringUnlinkAll) {
        String base = "/api/v1/portfolios/" + portfolio.id();
        worker.duringUnlinkAll(duringUnlinkAll);
        try {
            return api.post(owner, base + "/close", null, "{\"confirmation\":\"" + confirmation + "\"}");
        } finally {
            worker.duringUnlinkAll(null);
        }
    }

    private boolean markedClosed(DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM jobs.closed_portfolios WHERE portfolio_id = ?)")
                .param(portfolio.id())
                .query(Boolean.class)
                .single();
    }

    /** A directory user made a portfolio user with {@code role}; their token grants nothing by its claims. */
    private String portfolioUser(DirectorySeed.Portfolio portfolio, String name, String role) {
        UUID id = portfolio.user(name);
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (?, ?, ?, ?)")
                .params(portfolio.id(), id, portfolio.email(name), role)
                .update();
        return TestTokens.token(id, portfolio.email(name), UUID.randomUUID());
    }

    private UUID userId(DirectorySeed.Portfolio portfolio, String name) {
        return jdbc.sql("SELECT id FROM directory.users WHERE email = ?")
                .param(portfolio.email(name))
                .query(UUID.class)
                .single();
    }
}
