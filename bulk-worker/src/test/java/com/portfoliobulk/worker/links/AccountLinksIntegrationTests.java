package com.portfoliobulk.worker.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.OwnedAccount;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.StatementCounter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * The worker's internal link API against the real directory and activity topic: one portfolio per
 * account, an event per changed account, and closing unlinks every account in batches.
 */
class AccountLinksIntegrationTests extends WorkerIntegrationSupport {

    private static final Map<String, String> OWNER =
            Map.of("userId", UUID.randomUUID().toString(), "email", "owner@agency.test");

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Test
    void anAccountIsLinkedToOnePortfolioAtATimeAndEachChangeIsPublished() {
        Portfolio portfolio = directory.portfolio(1);
        Portfolio other = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();
        directory.unlink(account.id());

        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);
        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);
        assertThat(post(other.id(), "/accounts/" + account.id() + "/link")).isEqualTo(409);
        assertThat(post(other.id(), "/accounts/" + UUID.randomUUID() + "/link")).isEqualTo(404);
        assertThat(post(other.id(), "/accounts/" + account.id() + "/unlink")).isEqualTo(404);
        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                .isEqualTo(200);
        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                .isEqualTo(404);

        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(linkChangesOf(List.of(account.id())))
                        .extracting(AccountActivityEvent::action)
                        .containsExactly(ActivityAction.ACCOUNT_LINKED, ActivityAction.ACCOUNT_UNLINKED));
        AccountActivityEvent linked = linkChangesOf(List.of(account.id())).getFirst();
        assertThat(linked.portfolioId()).isEqualTo(portfolio.id());
        assertThat(linked.actor().email()).isEqualTo("owner@agency.test");
        assertThat(linked.jobId()).isNull();
        assertThat(linked.targetUser()).isNull();
    }

    /**
     * No account is linked to a closed portfolio: its close unlinks every account once it is marked
     * closed, and one linked after that (by a gateway that still held the Owner's permissions) would stay
     * linked to it for good, unlinkable by anyone.
     */
    @Test
    void noAccountIsLinkedToAClosedPortfolio() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();
        directory.unlink(account.id());
        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(portfolio.id(), UUID.randomUUID())
                .update();

        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link")).isEqualTo(410);
        assertThat(post(UUID.randomUUID(), "/accounts/" + account.id() + "/link"))
                .isEqualTo(410);
        assertThat(portfolioOf(account.id())).isEmpty();
    }

    /**
     * A close whose last unlinking failed (the worker could not be reached) left the account linked to the
     * closed portfolio, where no one may unlink it any more: it has no Owner, and its close cannot be sent
     * again. Another portfolio links it all the same: it is unlinked from the closed one first, as an
     * unlink does it (its pending invitation there ends, logged before the unlink), then linked, each change
     * in the account's activity log. The link was refused for good (409: linked to another portfolio).
     */
    @Test
    void anAccountLeftLinkedToAClosedPortfolioIsUnlinkedThereWhenAnotherLinksIt() {
        Portfolio closed = directory.portfolio(1);
        Portfolio other = directory.portfolio(1);
        OwnedAccount account = closed.ownedAccount(0);
        UUID invitee = directory.user();
        directory.invited(
                account.id(), invitee, AccountRole.ANALYST, Instant.now().plus(Duration.ofDays(7)));
        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(closed.id(), UUID.randomUUID())
                .update();

        assertThat(post(other.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);

        assertThat(portfolioOf(account.id())).contains(other.id());
        assertThat(directory.membership(account.id(), invitee)).isEmpty();
        assertThat(directory.membership(account.id(), account.ownerId())).isPresent();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account.id())))
                        .extracting(
                                AccountActivityEvent::action,
                                AccountActivityEvent::portfolioId,
                                event -> event.actor().email())
                        .containsExactly(
                                tuple(ActivityAction.INVITATION_REVOKED, closed.id(), OWNER.get("email")),
                                tuple(ActivityAction.ACCOUNT_UNLINKED, closed.id(), OWNER.get("email")),
                                tuple(ActivityAction.ACCOUNT_LINKED, other.id(), OWNER.get("email"))));
    }

    /**
     * An account whose memberships hold custom account roles the portfolio does not define (given in
     * another portfolio, or one this portfolio deleted while the account was unlinked) is not linked:
     * 409 naming each code with how many memberships hold it, a pending invitation's included, and
     * nothing changes. Linked, those memberships held codes the portfolio did not define, and a role
     * defined later with that code gave them its permissions. Once the portfolio defines them, it links.
     */
    @Test
    void anAccountWhoseMembershipsHoldRolesThePortfolioDoesNotDefineIsNotLinked() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();
        directory.unlink(account.id());
        directory.member(account.id(), directory.user(), new AccountRole("REGIONAL_LEAD"));
        directory.member(account.id(), directory.user(), new AccountRole("REGIONAL_LEAD"));
        directory.member(account.id(), directory.user(), AccountRole.ANALYST);
        directory.invited(
                account.id(),
                directory.user(),
                new AccountRole("AUDITOR"),
                Instant.now().plus(Duration.ofDays(7)));
        defineAccountRole(portfolio.id(), "OTHER_ROLE");

        Map<String, Object> refused = link(portfolio.id(), account.id());

        assertThat(refused).containsEntry("status", 409);
        assertThat(refused.get("detail"))
                .isEqualTo("The account's memberships hold account roles the portfolio does not define:"
                        + " AUDITOR (1), REGIONAL_LEAD (2).");
        assertThat(refused.get("undefinedRoles"))
                .isEqualTo(List.of(
                        Map.of("code", "AUDITOR", "memberships", 1),
                        Map.of("code", "REGIONAL_LEAD", "memberships", 2)));
        assertThat(portfolioOf(account.id())).isEmpty();
        assertThat(jdbc.sql("SELECT count(*) FROM directory.account_link_changes WHERE account_id = ?")
                        .param(account.id())
                        .query(Long.class)
                        .single())
                .isZero();

        defineAccountRole(portfolio.id(), "REGIONAL_LEAD");
        assertThat(link(portfolio.id(), account.id()).get("detail")).asString().contains("AUDITOR (1).");
        defineAccountRole(portfolio.id(), "AUDITOR");
        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);
        assertThat(portfolioOf(account.id())).contains(portfolio.id());
    }

    /**
     * An account left linked to a closed portfolio, whose memberships hold that portfolio's custom roles:
     * the link elsewhere checks them once it has unlinked the account there (the invitations that unlink
     * ends do not count), and refused, leaves it as it was: linked to the closed portfolio, its
     * invitation pending.
     */
    @Test
    void anAccountLeftLinkedToAClosedPortfolioIsCheckedForTheRolesItsMembershipsKeep() {
        Portfolio closed = directory.portfolio(1);
        Portfolio other = directory.portfolio(1);
        OwnedAccount account = closed.ownedAccount(0);
        directory.member(account.id(), directory.user(), new AccountRole("CLOSED_LEAD"));
        UUID invitee = directory.user();
        directory.invited(
                account.id(),
                invitee,
                new AccountRole("CLOSED_GUEST"),
                Instant.now().plus(Duration.ofDays(7)));
        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(closed.id(), UUID.randomUUID())
                .update();

        Map<String, Object> refused = link(other.id(), account.id());

        assertThat(refused).containsEntry("status", 409);
        assertThat(refused.get("undefinedRoles")).isEqualTo(List.of(Map.of("code", "CLOSED_LEAD", "memberships", 1)));
        assertThat(portfolioOf(account.id())).contains(closed.id());
        assertThat(directory.membership(account.id(), invitee)).isPresent();

        defineAccountRole(other.id(), "CLOSED_LEAD");
        assertThat(post(other.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);
        assertThat(portfolioOf(account.id())).contains(other.id());
        assertThat(directory.membership(account.id(), invitee)).isEmpty();
    }

    /**
     * A link that arrives while the close's last unlinking holds the portfolio (its row taken as
     * unlinkBatch takes it, with the portfolio marked closed in the same transaction) waits for it, and
     * then sees the close: it is refused rather than committed unseen behind the unlinking.
     */
    @Test
    void aLinkWaitingForTheClosesUnlinkingSeesTheClose() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();
        directory.unlink(account.id());
        CompletableFuture<Integer> linked;
        try (Connection closing = dataSource.getConnection()) {
            closing.setAutoCommit(false);
            try (Statement close = closing.createStatement()) {
                close.execute("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES ('" + portfolio.id()
                        + "', gen_random_uuid())");
                close.execute(
                        "SELECT 1 FROM directory.portfolios WHERE id = '" + portfolio.id() + "' FOR NO KEY UPDATE");
            }
            linked = CompletableFuture.supplyAsync(() -> post(portfolio.id(), "/accounts/" + account.id() + "/link"));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !linked.isDone());
            closing.commit();
        }

        assertThat(linked.get(30, TimeUnit.SECONDS)).isEqualTo(410);
        assertThat(portfolioOf(account.id())).isEmpty();
    }

    /**
     * Asked without a budget, as a gateway of a version before it asks (it calls once and reads {@code
     * unlinked} alone, and would mark the portfolio closed with accounts linked still), the worker
     * unlinks every account before it answers.
     */
    @Test
    void unlinkingAllGoesThroughEveryAccountInBatchesAndKeepsTheirMembers() {
        Portfolio portfolio = directory.portfolio(3);
        UUID member = directory.user();
        directory.member(portfolio.ownedAccount(0).id(), member, AccountRole.ANALYST);
        jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        SELECT gen_random_uuid(), :p, 'Generated ' || i FROM generate_series(1, 1200) i
                        """).param("p", portfolio.id()).update();
        List<UUID> accounts = jdbc.sql("SELECT id FROM directory.accounts WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(UUID.class)
                .list();
        assertThat(accounts).hasSize(1203);

        String answer = unlinkAll(portfolio.id());

        assertThat(answer).isEqualTo("{\"unlinked\":1203}");
        assertThat(jdbc.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(directory.membership(portfolio.ownedAccount(0).id(), member)).isPresent();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(linkChangesOf(accounts)).hasSize(1203));
    }

    /**
     * A close by a gateway of this version asks for the unlinking with a time budget: each call starts no
     * batch once the budget has passed (here 1 ms: one batch a call) and says whether accounts may be
     * linked still, and the gateway calls again until none is. Each answer so comes within the time the
     * gateway waits for it; in one call, a close of 5,000 accounts with 200 pending invitations each took
     * 11 s, and the gateway, which waits 5 s, answered the Owner 503 while the worker went on. A batch
     * takes at most {@value AccountLinks#INVITATIONS_PER_BATCH} pending invitations with its accounts
     * (and an account with more alone): by accounts alone, one batch of those ended 200,000 invitations.
     */
    @Test
    void aCloseUnlinksInCallsThatEachStopStartingBatchesOnceTheirBudgetHasPassed() {
        Portfolio portfolio = directory.portfolio(0);
        jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        SELECT gen_random_uuid(), :p, 'Generated ' || i FROM generate_series(1, 1203) i
                        """).param("p", portfolio.id()).update();
        // In the worker's order (the database's uuid order): the first with more than a batch's
        // invitations on its own, the next two with a batch's between them, the fourth with one.
        List<UUID> accounts = jdbc.sql("SELECT id FROM directory.accounts WHERE portfolio_id = :p ORDER BY id")
                .param("p", portfolio.id())
                .query(UUID.class)
                .list();
        int invitees = AccountLinks.INVITATIONS_PER_BATCH + 1;
        String domain = "@budget-" + UUID.randomUUID() + ".example";
        jdbc.sql("""
                        INSERT INTO directory.users (id, email)
                        SELECT gen_random_uuid(), 'invitee' || g || :domain FROM generate_series(1, :invitees) AS g
                        """).param("domain", domain).param("invitees", invitees).update();
        jdbc.sql("""
                        INSERT INTO directory.memberships (account_id, user_id, role, state, invited_at, expires_at,
                                                           invitation_token)
                        SELECT a.account, u.id, 'ANALYST', 'INVITED', now(), now() + interval '7 days',
                               encode(sha256(convert_to(a.account::text || u.id::text, 'UTF8')), 'hex')
                          FROM (VALUES (:first, :invitees), (:second, :half), (:third, :half), (:fourth, 1))
                                AS a (account, invited)
                          JOIN LATERAL (SELECT id FROM directory.users WHERE email LIKE '%' || :domain
                                         ORDER BY id LIMIT a.invited) u ON true
                        """)
                .param("first", accounts.get(0))
                .param("second", accounts.get(1))
                .param("third", accounts.get(2))
                .param("fourth", accounts.get(3))
                .param("invitees", invitees)
                .param("half", AccountLinks.INVITATIONS_PER_BATCH / 2)
                .param("domain", domain)
                .update();

        assertThat(unlinkAll(portfolio.id(), 1))
                .as("the first account alone: more than a batch's invitations")
                .containsExactlyInAnyOrderEntriesOf(Map.of("unlinked", 1, "more", true));
        assertThat(unlinkAll(portfolio.id(), 1))
                .as("the next two: a batch's invitations")
                .containsExactlyInAnyOrderEntriesOf(Map.of("unlinked", 2, "more", true));
        assertThat(unlinkAll(portfolio.id(), 1))
                .as("a batch of accounts")
                .containsExactlyInAnyOrderEntriesOf(Map.of("unlinked", AccountLinks.BATCH, "more", true));
        assertThat(unlinkAll(portfolio.id(), 1))
                .as("the rest")
                .containsExactlyInAnyOrderEntriesOf(Map.of("unlinked", 1203 - 3 - AccountLinks.BATCH, "more", false));
        assertThat(unlinkAll(portfolio.id(), 1))
                .containsExactlyInAnyOrderEntriesOf(Map.of("unlinked", 0, "more", false));

        assertThat(jdbc.sql("SELECT count(*) FROM directory.accounts WHERE portfolio_id = :p")
                        .param("p", portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM directory.memberships WHERE account_id = ANY(:accounts)")
                        .param("accounts", accounts.subList(0, 4).toArray(UUID[]::new))
                        .query(Long.class)
                        .single())
                .as("every invitation ended")
                .isZero();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(linkChangesOf(accounts)).hasSize(1203));
    }

    /**
     * A batch read the account linked and is still applying its invitation (a trigger holds its write)
     * when the Owner unlinks the account: the unlink is answered only after that batch committed, so no
     * task of the portfolio is applied to the account after its unlink was answered.
     */
    @Test
    void anUnlinkIsAnsweredOnlyAfterTheBatchThatSawTheAccountLinked() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.ownedAccount(0);
        String email = "held-" + UUID.randomUUID() + "@brand.example";
        String suffix = UUID.randomUUID().toString().replace("-", "");
        jdbc.sql("""
                        CREATE FUNCTION directory.hold_%1$s() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.email = '%2$s' THEN PERFORM pg_sleep(2); END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(suffix, email)).update();
        jdbc.sql("CREATE TRIGGER hold_" + suffix + " BEFORE INSERT ON directory.users FOR EACH ROW"
                        + " EXECUTE FUNCTION directory.hold_" + suffix + "()")
                .update();
        try {
            SubmittedJob job = jobs.submit(
                    portfolio.id(),
                    JobType.INVITE_USERS,
                    JobFixture.administrator(),
                    List.of(TaskSpec.invite(
                            account.id(),
                            null,
                            email,
                            AccountRole.ANALYST,
                            Instant.now().plus(Duration.ofDays(7)))));
            publish(job);
            await().atMost(PATIENCE)
                    .until(() -> jdbc.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                                    .query(Long.class)
                                    .single()
                            > 0);

            assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                    .isEqualTo(200);

            assertThat(jobs.tasks(job.id()))
                    .as("the invitation's task when the unlink was answered")
                    .extracting(StoredTask::status)
                    .containsExactly(TaskStatus.SUCCEEDED);
        } finally {
            jdbc.sql("DROP FUNCTION directory.hold_" + suffix + "() CASCADE").update();
        }
    }

    /**
     * The Owner unlinks an account while a job of the portfolio still has a task for it to apply, and
     * links it again before the task is applied: the task, planned for the link that ended, is skipped
     * {@code ACCOUNT_NOT_IN_PORTFOLIO} as it is while the account is unlinked, and gives no access there;
     * the job's task for an account that stayed linked, and a job planned after the link again, are
     * applied. Before, the batch only asked whether the account was in the job's portfolio, which the
     * new link made true again, and the invitation was made.
     */
    @Test
    void aTaskPlannedBeforeAnUnlinkIsSkippedAfterTheAccountIsLinkedAgain() {
        Portfolio portfolio = directory.portfolio(2);
        OwnedAccount relinked = portfolio.ownedAccount(0);
        OwnedAccount stayed = portfolio.ownedAccount(1);
        String email = "relinked-" + UUID.randomUUID() + "@brand.example";
        Instant expires = Instant.now().plus(Duration.ofDays(7));
        SubmittedJob before = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(relinked.id(), null, email, AccountRole.ANALYST, expires),
                        TaskSpec.invite(stayed.id(), null, email, AccountRole.ANALYST, expires)));

        assertThat(post(portfolio.id(), "/accounts/" + relinked.id() + "/unlink"))
                .isEqualTo(200);
        assertThat(post(portfolio.id(), "/accounts/" + relinked.id() + "/link")).isEqualTo(200);
        publish(before);
        awaitFinished(before);

        assertThat(jobs.tasks(before.id()))
                .extracting(StoredTask::accountId, StoredTask::status, StoredTask::reason)
                .containsExactly(
                        tuple(relinked.id(), TaskStatus.SKIPPED, ReasonCode.ACCOUNT_NOT_IN_PORTFOLIO),
                        tuple(stayed.id(), TaskStatus.SUCCEEDED, null));
        UUID invitee = jdbc.sql("SELECT id FROM directory.users WHERE email = ?")
                .param(email)
                .query(UUID.class)
                .single();
        assertThat(directory.membership(relinked.id(), invitee)).isEmpty();

        SubmittedJob after = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(relinked.id(), null, email, AccountRole.ANALYST, expires)));
        publish(after);
        awaitFinished(after);
        assertThat(jobs.tasks(after.id())).extracting(StoredTask::status).containsExactly(TaskStatus.SUCCEEDED);
    }

    /**
     * A removal planned before an unlink still applies once the account is linked again: it only takes
     * access away, and a leaver's offboarding (planned once, never sent again by the identity provider)
     * must not leave their access in place because the Owner unlinked and linked the account meanwhile.
     */
    @Test
    void aRemovalPlannedBeforeAnUnlinkIsAppliedAfterTheAccountIsLinkedAgain() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount relinked = portfolio.ownedAccount(0);
        UUID leaver = directory.user();
        directory.member(relinked.id(), leaver, AccountRole.ANALYST);
        SubmittedJob before = jobs.submit(
                portfolio.id(),
                JobType.OFFBOARD_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.remove(relinked.id(), leaver)));

        assertThat(post(portfolio.id(), "/accounts/" + relinked.id() + "/unlink"))
                .isEqualTo(200);
        assertThat(post(portfolio.id(), "/accounts/" + relinked.id() + "/link")).isEqualTo(200);
        publish(before);
        awaitFinished(before);

        assertThat(jobs.tasks(before.id())).extracting(StoredTask::status).containsExactly(TaskStatus.SUCCEEDED);
        assertThat(directory.membership(relinked.id(), leaver)).isEmpty();
    }

    /**
     * A link whose commit fails is not logged, and the link made again is logged once. Its event used to
     * be acknowledged before the commit: the log told of the link that failed, and of the link made again
     * beside it, under another event id.
     */
    @Test
    void aLinkThatDidNotCommitIsNotLoggedAndItsRepeatIsLoggedOnce() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.accountWithOwner();
        directory.unlink(account.id());
        String suffix = UUID.randomUUID().toString().replace("-", "");
        jdbc.sql("""
                        CREATE FUNCTION directory.refuse_%1$s() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.id = '%2$s' THEN RAISE EXCEPTION 'the commit is refused'; END IF;
                          RETURN NULL;
                        END $$ LANGUAGE plpgsql
                        """.formatted(suffix, account.id())).update();
        jdbc.sql("CREATE CONSTRAINT TRIGGER refuse_" + suffix + " AFTER UPDATE ON directory.accounts"
                        + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION directory.refuse_" + suffix
                        + "()")
                .update();
        try {
            assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link"))
                    .isEqualTo(500);
        } finally {
            jdbc.sql("DROP FUNCTION directory.refuse_" + suffix + "() CASCADE").update();
        }
        assertThat(portfolioOf(account.id())).isEmpty();

        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/link")).isEqualTo(200);
        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                .isEqualTo(200);

        await().atMost(PATIENCE)
                .until(() -> linkChangesOf(List.of(account.id())).stream()
                        .anyMatch(event -> event.action() == ActivityAction.ACCOUNT_UNLINKED));
        assertThat(linkChangesOf(List.of(account.id())))
                .extracting(AccountActivityEvent::action)
                .containsExactly(ActivityAction.ACCOUNT_LINKED, ActivityAction.ACCOUNT_UNLINKED);
    }

    /**
     * A close unlinks every account and deletes the portfolio's custom roles a moment later: an invitation
     * for a custom role that the unlinking ended is logged with the role's name all the same. The name was
     * looked up when the entry was published, after the role was gone, and the log read its code.
     */
    @Test
    void anInvitationTheCloseEndedIsLoggedWithItsCustomRolesName() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.ownedAccount(0);
        jdbc.sql("INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)"
                        + " VALUES (?, 'RL_EMEA', 'Regional lead EMEA', ARRAY['VIEW_ACCOUNT'])")
                .param(portfolio.id())
                .update();
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(
                        account.id(),
                        null,
                        "lead-" + UUID.randomUUID() + "@brand.example",
                        new AccountRole("RL_EMEA"),
                        Instant.now().plus(Duration.ofDays(7)))));
        publish(invitation);
        awaitFinished(invitation);
        assertThat(jobs.tasks(invitation.id())).extracting(StoredTask::status).containsExactly(TaskStatus.SUCCEEDED);

        String answer = unlinkAll(portfolio.id());
        jdbc.sql("DELETE FROM jobs.account_roles WHERE portfolio_id = ?")
                .param(portfolio.id())
                .update();

        assertThat(answer).isEqualTo("{\"unlinked\":1}");
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account.id())))
                        .filteredOn(event -> event.action() == ActivityAction.INVITATION_REVOKED)
                        .extracting(AccountActivityEvent::previousRoleName)
                        .containsExactly("Regional lead EMEA"));
    }

    /**
     * An invitation that expired before the unlink, and that the expiry sweep had not ended yet (it runs
     * every minute, and not at all while Kafka is down), is logged as expired, as the sweep would have
     * logged it: its id, dated at the expiry, by its inviter. It was logged as revoked by the unlink's
     * Owner, which no one did.
     */
    @Test
    void anExpiredInvitationTheSweepHadNotEndedIsLoggedAsExpiredWhenItsAccountIsUnlinked() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.ownedAccount(0);
        Actor inviter = JobFixture.administrator();
        String expiredEmail = "expired-" + UUID.randomUUID() + "@brand.example";
        String pendingEmail = "pending-" + UUID.randomUUID() + "@brand.example";
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                inviter,
                List.of(
                        TaskSpec.invite(
                                account.id(),
                                null,
                                expiredEmail,
                                AccountRole.ANALYST,
                                Instant.now().plus(Duration.ofDays(7))),
                        TaskSpec.invite(
                                account.id(),
                                null,
                                pendingEmail,
                                AccountRole.ANALYST,
                                Instant.now().plus(Duration.ofDays(7)))));
        publish(invitation);
        awaitFinished(invitation);
        Instant expiredAt = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MICROS);
        UUID expiredUser = jdbc.sql("""
                        UPDATE directory.memberships m SET expires_at = ?
                          FROM directory.users u
                         WHERE m.account_id = ? AND u.id = m.user_id AND u.email = ?
                        RETURNING m.user_id
                        """)
                .params(expiredAt.atOffset(ZoneOffset.UTC), account.id(), expiredEmail)
                .query(UUID.class)
                .single();

        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                .isEqualTo(200);

        UUID expiryId =
                UUID.nameUUIDFromBytes(("invitation-expired:" + account.id() + ":" + expiredUser + ":" + expiredAt)
                        .getBytes(StandardCharsets.UTF_8));
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account.id())))
                        .filteredOn(event -> event.action() != ActivityAction.USER_INVITED
                                && !event.action().isLinkChange())
                        .extracting(
                                AccountActivityEvent::action,
                                event -> event.targetUser().email())
                        .containsExactlyInAnyOrder(
                                tuple(ActivityAction.INVITATION_EXPIRED, expiredEmail),
                                tuple(ActivityAction.INVITATION_REVOKED, pendingEmail)));
        AccountActivityEvent expiry = activityOfAccounts(List.of(account.id())).stream()
                .filter(event -> event.action() == ActivityAction.INVITATION_EXPIRED)
                .findFirst()
                .orElseThrow();
        assertThat(expiry.eventId()).as("the sweep's id for it").isEqualTo(expiryId);
        assertThat(expiry.occurredAt()).isEqualTo(expiredAt);
        assertThat(expiry.actor()).as("its inviter").isEqualTo(inviter);
        assertThat(expiry.jobId()).isEqualTo(invitation.id());
        assertThat(expiry.previousRole()).isEqualTo(AccountRole.ANALYST);
    }

    /**
     * More expired invitations than an unlink ends in one statement (a large job's, which expire
     * together, while the sweep could not run): all of them end, each logged once as the sweep would
     * have logged it, and the unlink holds the entries of at most {@value AccountLinks#EXPIRED_CHUNK} of
     * them at a time. It read all of them at once, and a million of them ran the worker out of memory.
     */
    @Test
    void expiredInvitationsBeyondOneStatementAllEndAndAreEachLoggedOnce() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.ownedAccount(0);
        int expired = AccountLinks.EXPIRED_CHUNK + 1_500;
        String domain = "@expired-" + UUID.randomUUID() + ".example";
        Instant expiredAt = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MICROS);
        jdbc.sql("""
                        INSERT INTO directory.users (id, email)
                        SELECT gen_random_uuid(), 'invitee' || g || :domain FROM generate_series(1, :expired) AS g
                        """).param("domain", domain).param("expired", expired).update();
        jdbc.sql("""
                        INSERT INTO directory.memberships (account_id, user_id, role, state, invited_at, expires_at,
                                                           invitation_token)
                        SELECT :account, u.id, 'ANALYST', 'INVITED', :expiredAt - interval '7 days', :expiredAt,
                               encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex')
                          FROM directory.users u
                         WHERE u.email LIKE '%' || :domain
                        """)
                .param("account", account.id())
                .param("expiredAt", expiredAt.atOffset(ZoneOffset.UTC))
                .param("domain", domain)
                .update();

        List<StatementCounter.Statement> notes;
        try (StatementCounter statements = StatementCounter.open(dataSource, "")) {
            notes = statements.keep(sql -> sql.contains("'INVITATION_EXPIRED'"));
            assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                    .isEqualTo(200);
        }

        assertThat(jdbc.sql("SELECT count(*) FROM directory.memberships WHERE account_id = ? AND state = 'INVITED'")
                        .param(account.id())
                        .query(Long.class)
                        .single())
                .isZero();
        // Each statement noting the entries binds them as arrays, one element per entry: the entries the
        // unlink held at once.
        List<Integer> noted = notes.stream()
                .map(note -> note.parameters().stream()
                        .filter(StatementCounter.KeptArray.class::isInstance)
                        .map(array -> ((StatementCounter.KeptArray) array).elements().length)
                        .findFirst()
                        .orElseThrow())
                .toList();
        assertThat(noted)
                .as("expired invitations' entries noted per statement")
                .allSatisfy(entries -> assertThat(entries).isLessThanOrEqualTo(AccountLinks.EXPIRED_CHUNK));
        assertThat(noted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(expired);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account.id())))
                        .filteredOn(event -> event.action() == ActivityAction.INVITATION_EXPIRED)
                        .extracting(AccountActivityEvent::eventId)
                        .hasSize(expired)
                        .doesNotHaveDuplicates());
        assertThat(activityOfAccounts(List.of(account.id())))
                .filteredOn(event -> event.action() == ActivityAction.INVITATION_EXPIRED)
                .allSatisfy(event -> assertThat(event.occurredAt()).isEqualTo(expiredAt));
    }

    /**
     * Invitations that no job made (seeded ones, and those from before invitations named their job) end
     * with the unlink as the job's do: the pending one is logged as revoked by the unlink's Owner, the one
     * past its expiry as the sweep's expiry, and the pending one's link no longer accepts. The unlink
     * looked for invitations through their job and missed these: the link still gave access to the
     * account after it left the portfolio.
     */
    @Test
    void invitationsNoJobMadeEndWithTheUnlinkAndTheirLinkNoLongerAccepts() {
        Portfolio portfolio = directory.portfolio(1);
        OwnedAccount account = portfolio.ownedAccount(0);
        UUID pending = directory.user();
        UUID expired = directory.user();
        Instant expiredAt = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MICROS);
        directory
                .invited(
                        account.id(),
                        pending,
                        AccountRole.ANALYST,
                        Instant.now().plus(Duration.ofDays(7)))
                .invited(account.id(), expired, AccountRole.SUPPORT, expiredAt);
        String token = directory.invitationToken(account.id(), pending);

        assertThat(post(portfolio.id(), "/accounts/" + account.id() + "/unlink"))
                .isEqualTo(200);

        assertThat(directory.membership(account.id(), pending)).isEmpty();
        assertThat(directory.membership(account.id(), expired)).isEmpty();
        assertThat(accept(token, directory.email(pending)))
                .as("as for a revoked invitation")
                .isEqualTo(404);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOfAccounts(List.of(account.id())))
                        .filteredOn(event -> !event.action().isLinkChange())
                        .extracting(
                                AccountActivityEvent::action,
                                event -> event.targetUser().userId(),
                                AccountActivityEvent::previousRole,
                                event -> event.actor().email())
                        .containsExactlyInAnyOrder(
                                tuple(
                                        ActivityAction.INVITATION_REVOKED,
                                        pending,
                                        AccountRole.ANALYST,
                                        OWNER.get("email")),
                                tuple(ActivityAction.INVITATION_EXPIRED, expired, AccountRole.SUPPORT, "")));
        AccountActivityEvent expiry = activityOfAccounts(List.of(account.id())).stream()
                .filter(event -> event.action() == ActivityAction.INVITATION_EXPIRED)
                .findFirst()
                .orElseThrow();
        assertThat(expiry.eventId())
                .as("the sweep's id for it")
                .isEqualTo(
                        UUID.nameUUIDFromBytes(("invitation-expired:" + account.id() + ":" + expired + ":" + expiredAt)
                                .getBytes(StandardCharsets.UTF_8)));
    }

    /** Accepts the invitation whose token it is, as the caller; answers the worker's status. */
    private int accept(String token, String email) {
        return http().post()
                .uri("/internal/invitations/{token}/accept", token)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("email", email))
                .exchange((request, response) -> response.getStatusCode().value());
    }

    /** The portfolio the account is linked to; empty when none. */
    private Optional<UUID> portfolioOf(UUID accountId) {
        return jdbc.sql("SELECT portfolio_id FROM directory.accounts WHERE id = ?")
                .param(accountId)
                .query(UUID.class)
                .optional();
    }

    /** Unlinks every account of the portfolio, as a close does; answers the worker's body. */
    private String unlinkAll(UUID portfolioId) {
        return http().post()
                .uri("/internal/portfolios/{p}/unlink-all", portfolioId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OWNER)
                .retrieve()
                .body(String.class);
    }

    /** Unlinks accounts of the portfolio within the budget, as a close by a gateway of this version does. */
    private Map<String, Object> unlinkAll(UUID portfolioId, long budgetMillis) {
        return http().post()
                .uri("/internal/portfolios/{p}/unlink-all?budgetMillis={b}", portfolioId, budgetMillis)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OWNER)
                .retrieve()
                .body(new ParameterizedTypeReference<Map<String, Object>>() {});
    }

    /** Links the account; answers the worker's status and body. */
    private Map<String, Object> link(UUID portfolioId, UUID accountId) {
        return http().post()
                .uri("/internal/portfolios/{p}/accounts/{a}/link", portfolioId, accountId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OWNER)
                .exchange((request, response) -> {
                    Map<String, Object> answer = new LinkedHashMap<>(
                            response.bodyTo(new ParameterizedTypeReference<Map<String, Object>>() {}));
                    answer.putIfAbsent("status", response.getStatusCode().value());
                    return answer;
                });
    }

    /** A custom account role of the portfolio, as the gateway defines one. */
    private void defineAccountRole(UUID portfolioId, String code) {
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (?, ?, ?, ARRAY['VIEW_ACCOUNT'])
                        """).params(portfolioId, code, "Role " + code).update();
    }

    private int post(UUID portfolioId, String path) {
        return http().post()
                .uri("/internal/portfolios/" + portfolioId + path)
                .contentType(MediaType.APPLICATION_JSON)
                .body(OWNER)
                .exchange((request, response) -> response.getStatusCode().value());
    }

    private RestClient http() {
        return RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .defaultHeader("Authorization", TestTokens.workerAuthorization())
                .build();
    }
}
