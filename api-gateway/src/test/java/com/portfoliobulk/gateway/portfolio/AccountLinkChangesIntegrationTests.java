package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StubWorker.LinkAnswer;
import com.portfoliobulk.gateway.support.StubWorker.LinkChange;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Linking and unlinking an account against a stand-in worker that changes the account directory as the
 * worker does; permissions are the stored ones, as for every administration test.
 */
@TestPropertySource(properties = "bulk.gateway.permissions.source=database")
class AccountLinkChangesIntegrationTests extends StubbedServicesIntegrationTest {

    @AfterEach
    void noMoreLinkChanges() {
        worker.changeLinksWith(null);
    }

    /**
     * The worker links an account, and the link's answer is slow to reach the gateway (a stalled thread,
     * a slow network); meanwhile the Owner unlinks the account. The gateway logged each change when its
     * request got there, the unlink's first: the log's latest word was "linked" while the account was
     * not, and the account's next link was not logged at all. The unlink now waits for the link's turn
     * to end before it asks the worker.
     */
    @Test
    void aLinkAndAnUnlinkCloseTogetherAreLoggedInTheOrderTheWorkerMadeThem() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = owner(portfolio);
        UUID account = portfolio.unlinkedAccount("Spare");
        String base = "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts";
        CountDownLatch linkMade = new CountDownLatch(1);
        CountDownLatch answerLink = new CountDownLatch(1);
        worker.changeLinksWith(change -> {
            LinkAnswer answer = asTheWorkerDoes(change);
            if (change.link()) {
                linkMade.countDown();
                try {
                    answerLink.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return answer;
        });
        try {
            CompletableFuture<Answer> link =
                    CompletableFuture.supplyAsync(() -> api.post(owner, base, null, linkBody(account)));
            assertThat(linkMade.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Answer> unlink =
                    CompletableFuture.supplyAsync(() -> api.delete(owner, base + "/" + account));
            // The link's answer comes once the unlink is logged, or waits for the link's turn to end.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> adminLog(portfolio, account).contains("ACCOUNT_UNLINKED")
                            || waitsForItsTurn(portfolio, account));
            answerLink.countDown();

            Answer linked = link.get(30, TimeUnit.SECONDS);
            Answer unlinked = unlink.get(30, TimeUnit.SECONDS);
            assertThat(linked.status()).as(linked.text()).isEqualTo(201);
            assertThat(unlinked.status()).as(unlinked.text()).isEqualTo(204);
        } finally {
            answerLink.countDown();
        }
        assertThat(portfolioOf(account)).isNull();
        assertThat(adminLog(portfolio, account)).containsExactly("ACCOUNT_UNLINKED", "ACCOUNT_LINKED");

        worker.changeLinksWith(this::asTheWorkerDoes);
        Answer linkedAgain = api.post(owner, base, null, linkBody(account));
        assertThat(linkedAgain.status()).as(linkedAgain.text()).isEqualTo(201);
        assertThat(adminLog(portfolio, account))
                .containsExactly("ACCOUNT_LINKED", "ACCOUNT_UNLINKED", "ACCOUNT_LINKED");
    }

    /**
     * Each link change holds a database connection while the worker answers: a script linking many
     * accounts in parallel while the worker is slow took every connection of the gateway, and every
     * other request waited for one and failed. A gateway runs {@value AccountLinkChanges#TURNS} link
     * changes at once; one more waits, and answers 503 with Retry-After, having changed nothing.
     */
    @Test
    void aLinkChangeBeyondTheGatewaysTurnsAnswers503AndChangesNothing() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = owner(portfolio);
        String base = "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts";
        List<UUID> held = new ArrayList<>();
        for (int i = 0; i < AccountLinkChanges.TURNS; i++) {
            held.add(portfolio.unlinkedAccount("Held " + i));
        }
        UUID extra = portfolio.unlinkedAccount("Extra");
        CountDownLatch heldReached = new CountDownLatch(held.size());
        CountDownLatch answerHeld = new CountDownLatch(1);
        worker.changeLinksWith(change -> {
            LinkAnswer answer = asTheWorkerDoes(change);
            if (held.contains(change.accountId())) {
                heldReached.countDown();
                try {
                    answerHeld.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return answer;
        });
        List<CompletableFuture<Answer>> links = new ArrayList<>();
        try {
            for (UUID account : held) {
                links.add(CompletableFuture.supplyAsync(() -> api.post(owner, base, null, linkBody(account))));
            }
            assertThat(heldReached.await(30, TimeUnit.SECONDS)).isTrue();

            Answer refused = api.post(owner, base, null, linkBody(extra));

            answerHeld.countDown();
            assertThat(refused.status()).as(refused.text()).isEqualTo(503);
            assertThat(refused.headers().getFirst("Retry-After")).isEqualTo("2");
            assertThat(refused.text()).contains("Other link changes are under way");
            assertThat(portfolioOf(extra)).isNull();
            for (CompletableFuture<Answer> link : links) {
                Answer linked = link.get(30, TimeUnit.SECONDS);
                assertThat(linked.status()).as(linked.text()).isEqualTo(201);
            }
        } finally {
            answerHeld.countDown();
        }
        worker.changeLinksWith(this::asTheWorkerDoes);
        Answer linkedLater = api.post(owner, base, null, linkBody(extra));
        assertThat(linkedLater.status()).as(linkedLater.text()).isEqualTo(201);
    }

    /**
     * The Owner links an account, then unlinks it: the worker unlinks it, but its answer is lost on the
     * way (the stand-in closes the connection once the account is unlinked, as a timeout or a dropped
     * connection leaves it), so the gateway answers 503 and writes no entry. The Owner sees the account
     * gone and links it again rather than repeating the unlink. That link was made now (201), but the
     * log's latest word was already "linked", so it wrote nothing: the log lacked both the unlink and the
     * link. The link now writes the unlink first, marked as recorded late.
     */
    @Test
    void aLinkAfterAnUnlinkWhoseAnswerWasLostLogsBoth() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = owner(portfolio);
        UUID account = portfolio.unlinkedAccount("Relinked");
        String base = "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts";
        worker.changeLinksWith(this::asTheWorkerDoes);
        Answer linked = api.post(owner, base, null, linkBody(account));
        assertThat(linked.status()).as(linked.text()).isEqualTo(201);

        worker.changeLinksWith(change -> change.link() ? asTheWorkerDoes(change) : answerLost(change));
        Answer unlinked = api.delete(owner, base + "/" + account);
        assertThat(unlinked.status()).as(unlinked.text()).isEqualTo(503);
        assertThat(portfolioOf(account)).isNull();

        worker.changeLinksWith(this::asTheWorkerDoes);
        Answer linkedAgain = api.post(owner, base, null, linkBody(account));
        assertThat(linkedAgain.status()).as(linkedAgain.text()).isEqualTo(201);

        assertThat(adminLogOverApi(owner, portfolio, account))
                .containsExactly(
                        "ACCOUNT_LINKED linked",
                        "ACCOUNT_UNLINKED unlinked (recorded late, with the link after it: this log had no entry of it)",
                        "ACCOUNT_LINKED linked");
    }

    /**
     * The same the other way: a link whose answer was lost (503, the account linked) and not asked
     * again, then an unlink (204), which the log's latest word "unlinked" kept out of the log.
     */
    @Test
    void anUnlinkAfterALinkWhoseAnswerWasLostLogsBoth() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = owner(portfolio);
        UUID account = portfolio.unlinkedAccount("Unlinked again");
        String base = "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts";
        worker.changeLinksWith(this::asTheWorkerDoes);
        assertThat(api.post(owner, base, null, linkBody(account)).status()).isEqualTo(201);
        assertThat(api.delete(owner, base + "/" + account).status()).isEqualTo(204);

        worker.changeLinksWith(change -> change.link() ? answerLost(change) : asTheWorkerDoes(change));
        Answer linked = api.post(owner, base, null, linkBody(account));
        assertThat(linked.status()).as(linked.text()).isEqualTo(503);
        assertThat(portfolioOf(account)).isEqualTo(portfolio.id());

        worker.changeLinksWith(this::asTheWorkerDoes);
        Answer unlinked = api.delete(owner, base + "/" + account);
        assertThat(unlinked.status()).as(unlinked.text()).isEqualTo(204);

        assertThat(adminLogOverApi(owner, portfolio, account))
                .containsExactly(
                        "ACCOUNT_UNLINKED unlinked",
                        "ACCOUNT_LINKED linked (recorded late, with the unlink after it: this log had no entry of it)",
                        "ACCOUNT_UNLINKED unlinked",
                        "ACCOUNT_LINKED linked");
    }

    /**
     * A link and an unlink are written to the database alone, so a restore to a moment before an unlink
     * links the account again (jobs reach it, the invitations the unlink ended can be accepted again):
     * each gateway logs one INFO line for each, naming the portfolio, the Owner and the account by
     * id, never an address, which the restore procedure greps to make them again. Before, none was
     * logged. A repeat that changes nothing (200 linked already, 404 not linked) logs none; a link
     * whose answer was lost (503) is logged when asked again, as its administration log entry is.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aLinkAndAnUnlinkAreEachLoggedOnceByAccountId(CapturedOutput output) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        String owner = owner(portfolio);
        UUID ownerId = jdbc.sql("SELECT user_id FROM jobs.portfolio_users WHERE portfolio_id = ? AND role = 'OWNER'")
                .param(portfolio.id())
                .query(UUID.class)
                .single();
        UUID account = portfolio.unlinkedAccount("Logged");
        String base = "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts";
        worker.changeLinksWith(this::asTheWorkerDoes);

        List<Integer> statuses = new ArrayList<>();
        statuses.add(api.post(owner, base, null, linkBody(account)).status());
        statuses.add(api.post(owner, base, null, linkBody(account)).status());
        statuses.add(api.delete(owner, base + "/" + account).status());
        statuses.add(api.delete(owner, base + "/" + account).status());
        worker.changeLinksWith(change -> change.link() ? answerLost(change) : asTheWorkerDoes(change));
        statuses.add(api.post(owner, base, null, linkBody(account)).status());
        worker.changeLinksWith(this::asTheWorkerDoes);
        statuses.add(api.post(owner, base, null, linkBody(account)).status());

        assertThat(statuses).containsExactly(201, 200, 204, 404, 503, 200);
        assertThat(portfolioOf(account)).isEqualTo(portfolio.id());
        String change =
                "Change of portfolio " + portfolio.id() + " at the request of user " + ownerId + ": account " + account;
        assertThat(output.getAll().lines().filter(line -> line.contains("Change of portfolio " + portfolio.id())))
                .satisfiesExactly(
                        line -> assertThat(line).contains(" INFO ", change + " linked"),
                        line -> assertThat(line).contains(" INFO ", change + " unlinked"),
                        line -> assertThat(line).contains(" INFO ", change + " linked"))
                .allSatisfy(line -> assertThat(line).doesNotContain(portfolio.email("owner")));
    }

    /** Makes the change as the worker does, and loses its answer. */
    /**
     * A client quotes the {@code requestId} of a 503 it was answered; the gateway's plain-text line about
     * that 503 (the default log format) carries the same id, so one search finds it. Before, only JSON
     * lines had it: the plain line named neither the request nor its trace.
     */
    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void thePlainLineAboutA503CarriesTheRequestIdItsProblemNames(CapturedOutput output) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.unlinkedAccount("Quoted");
        String requestId = "quoted-" + UUID.randomUUID();
        worker.changeLinksWith(this::answerLost);

        Answer linked = api.post(
                owner(portfolio),
                "/api/v1/portfolios/" + portfolio.id() + "/linked-accounts",
                null,
                linkBody(account),
                Map.of("X-Request-Id", List.of(requestId)));

        assertThat(linked.status()).as(linked.text()).isEqualTo(503);
        assertThat(linked.body().path("requestId").asText()).isEqualTo(requestId);
        assertThat(output.getAll().lines().filter(line -> line.contains("Answering 503")))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("requestId=" + requestId + " "));
    }

    private LinkAnswer answerLost(LinkChange change) {
        asTheWorkerDoes(change);
        return LinkAnswer.LOST;
    }

    /** Links or unlinks the account in the directory, and answers, as the worker does. */
    private LinkAnswer asTheWorkerDoes(LinkChange change) {
        if (change.link()) {
            int linked = jdbc.sql(
                            "UPDATE directory.accounts SET portfolio_id = :p WHERE id = :a AND portfolio_id IS NULL")
                    .param("p", change.portfolioId())
                    .param("a", change.accountId())
                    .update();
            return new LinkAnswer(200, "{\"linked\":" + (linked == 1) + "}");
        }
        int unlinked = jdbc.sql("UPDATE directory.accounts SET portfolio_id = NULL WHERE id = :a AND portfolio_id = :p")
                .param("p", change.portfolioId())
                .param("a", change.accountId())
                .update();
        return unlinked == 1
                ? new LinkAnswer(200, "{}")
                : new LinkAnswer(404, "{\"status\":404,\"detail\":\"not linked\"}");
    }

    /** Whether a request waits for the account's turn (its link changes' advisory lock). */
    private boolean waitsForItsTurn(DirectorySeed.Portfolio portfolio, UUID account) {
        return jdbc.sql("""
                        SELECT EXISTS (
                            SELECT 1 FROM pg_locks
                             WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
                               AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(:key, 0))
                        """)
                .param("key", "account-link-log:" + portfolio.id() + ":" + account)
                .query(Boolean.class)
                .single();
    }

    private static String linkBody(UUID account) {
        return "{\"accountId\":\"" + account + "\"}";
    }

    private UUID portfolioOf(UUID account) {
        return jdbc.sql("SELECT portfolio_id FROM directory.accounts WHERE id = ?")
                .param(account)
                .query((rs, row) -> rs.getObject(1, UUID.class))
                .list()
                .getFirst();
    }

    /** The administration log's link changes of the account, newest first. */
    private List<String> adminLog(DirectorySeed.Portfolio portfolio, UUID account) {
        return jdbc.sql("""
                        SELECT action FROM jobs.portfolio_admin_log WHERE portfolio_id = ? AND subject = ?
                        ORDER BY occurred_at DESC, id DESC
                        """)
                .params(portfolio.id(), account.toString())
                .query(String.class)
                .list();
    }

    /**
     * The account's entries in the administration log as {@code GET admin-log} answers them, newest
     * first: action and detail, each by the Owner.
     */
    private List<String> adminLogOverApi(String owner, DirectorySeed.Portfolio portfolio, UUID account) {
        Answer log = api.get(owner, "/api/v1/portfolios/" + portfolio.id() + "/admin-log?limit=100");
        assertThat(log.status()).as(log.text()).isEqualTo(200);
        List<String> entries = new ArrayList<>();
        for (JsonNode entry : log.body().path("items").values()) {
            if (entry.path("subject").asString().equals(account.toString())) {
                assertThat(entry.path("actorEmail").asString()).isEqualTo(portfolio.email("owner"));
                entries.add(entry.path("action").asString() + " "
                        + entry.path("detail").asString());
            }
        }
        return entries;
    }

    /** The portfolio's Owner, a stored portfolio user; their token grants nothing by its claims. */
    private String owner(DirectorySeed.Portfolio portfolio) {
        UUID id = portfolio.user("owner");
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role) VALUES (?, ?, ?, 'OWNER')")
                .params(portfolio.id(), id, portfolio.email("owner"))
                .update();
        return TestTokens.token(id, portfolio.email("owner"), UUID.randomUUID());
    }
}
