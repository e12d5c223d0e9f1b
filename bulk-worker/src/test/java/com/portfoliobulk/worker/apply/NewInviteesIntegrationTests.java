package com.portfoliobulk.worker.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Membership;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredJob;
import com.portfoliobulk.worker.fixtures.JobFixture.StoredTask;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.StatementCounter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Invitations of addresses that have no user yet: the worker creates their users with its batch, all
 * of a batch's in a few statements however many there are, and an address that another transaction
 * gives a user meanwhile ends with that user.
 */
class NewInviteesIntegrationTests extends WorkerIntegrationSupport {

    private static final Logger log = LoggerFactory.getLogger(NewInviteesIntegrationTests.class);

    private static final int INVITEES = 500;

    private final Instant inAWeek = Instant.now().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.MICROS);

    @Autowired
    DataSource dataSource;

    @Test
    void aBatchCreatesAllItsNewInviteesInAFewStatements() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        List<String> emails =
                IntStream.range(0, INVITEES).mapToObj(i -> directory.newEmail()).toList();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                emails.stream()
                        .map(email -> TaskSpec.invite(account, null, email, AccountRole.ANALYST, inAWeek))
                        .toList());

        long elapsedMillis;
        int batches;
        int userStatements;
        int mailHistoryReads;
        try (StatementCounter statements = StatementCounter.open(dataSource, TaskListener.ID)) {
            AtomicInteger lockedTasks = statements.count(sql -> sql.contains("FOR UPDATE OF t"));
            AtomicInteger onUsers = statements.count(sql -> sql.contains("directory.users"));
            AtomicInteger mailHistories = statements.count(NewInviteesIntegrationTests::readsMailHistory);
            long start = System.nanoTime();
            publish(job);
            assertThat(awaitFinished(job))
                    .extracting(StoredJob::status, StoredJob::succeeded)
                    .containsExactly(JobStatus.COMPLETED, INVITEES);
            elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            batches = lockedTasks.get();
            userStatements = onUsers.get();
            mailHistoryReads = mailHistories.get();
        }

        log.info(
                "{} new invitees: {} statement(s) on directory.users in {} batch transaction(s), {} ms",
                INVITEES,
                userStatements,
                batches,
                elapsedMillis);
        assertThat(batches).as("batch transactions seen").isPositive();
        assertThat(userStatements)
                // Per batch: the task lock (it reads the tasks' users), the users of the addresses, the
                // insert of the new ones and its read back.
                .as("statements on directory.users: a few per batch transaction, not one per new address")
                .isLessThanOrEqualTo(4 * batches)
                .isLessThan(INVITEES);
        assertThat(mailHistoryReads)
                .as("reads of the e-mails queued to addresses invited for the first time")
                .isZero();
        Map<String, UUID> users = emails.stream()
                .collect(Collectors.toMap(
                        Function.identity(),
                        email -> directory.userIdByEmail(email).orElseThrow()));
        assertThat(users.values()).doesNotHaveDuplicates();
        for (String email : emails) {
            assertThat(directory.membership(account, users.get(email)))
                    .get()
                    .extracting(Membership::state, Membership::role)
                    .containsExactly(MembershipState.INVITED, AccountRole.ANALYST);
        }
        assertThat(jobs.tasks(job.id()))
                .allSatisfy(task -> assertThat(task.status()).isEqualTo(TaskStatus.SUCCEEDED))
                .extracting(StoredTask::userId)
                .containsExactlyElementsOf(emails.stream().map(users::get).toList());
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(job))
                        .hasSize(INVITEES)
                        .extracting(event -> event.targetUser().email(), AccountActivityEvent::taskId)
                        .doesNotHaveDuplicates());
        assertThat(jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ?")
                        .param(job.id())
                        .query(Integer.class)
                        .single())
                .as("one invitation e-mail per invitee")
                .isEqualTo(INVITEES);
    }

    /**
     * Invitations of users the directory has (an identity provider onboarding an organisation whose
     * people exist already): a batch reads the e-mails queued to all its invitees, for the daily limit of
     * e-mails per invitee, in one statement, not one per invitee.
     */
    @Test
    void aBatchReadsTheRecentMailsOfAllItsKnownInviteesInOneStatement() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        List<String> emails = IntStream.range(0, INVITEES)
                .mapToObj(i -> directory.email(directory.user()))
                .toList();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                emails.stream()
                        .map(email -> TaskSpec.invite(account, null, email, AccountRole.ANALYST, inAWeek))
                        .toList());

        int batches;
        int mailHistoryReads;
        try (StatementCounter statements = StatementCounter.open(dataSource, TaskListener.ID)) {
            AtomicInteger lockedTasks = statements.count(sql -> sql.contains("FOR UPDATE OF t"));
            AtomicInteger mailHistories = statements.count(NewInviteesIntegrationTests::readsMailHistory);
            publish(job);
            assertThat(awaitFinished(job))
                    .extracting(StoredJob::status, StoredJob::succeeded)
                    .containsExactly(JobStatus.COMPLETED, INVITEES);
            batches = lockedTasks.get();
            mailHistoryReads = mailHistories.get();
        }

        log.info(
                "{} known invitees: {} read(s) of their e-mails in {} batch transaction(s)",
                INVITEES,
                mailHistoryReads,
                batches);
        assertThat(batches).as("batch transactions seen").isPositive();
        assertThat(mailHistoryReads)
                .as("reads of the invitees' e-mails: at most one per batch transaction, not one per invitee")
                .isPositive()
                .isLessThanOrEqualTo(batches);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ?")
                        .param(job.id())
                        .query(Integer.class)
                        .single())
                .as("one invitation e-mail per invitee")
                .isEqualTo(INVITEES);
    }

    /** The read of the e-mails queued to invitees in the last 24 hours, for the daily limit. */
    private static boolean readsMailHistory(String sql) {
        return sql.contains("directory.invitation_mails") && sql.contains("created_at >");
    }

    @Test
    void anAddressAnotherTransactionGivesAUserMeanwhileEndsWithThatUser() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String contested = directory.newEmail();
        String other = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(account, null, contested, AccountRole.ANALYST, inAWeek),
                        TaskSpec.invite(account, null, other, AccountRole.ANALYST, inAWeek)));
        UUID theirs = UUID.randomUUID();

        try (Connection competitor = dataSource.getConnection()) {
            competitor.setAutoCommit(false);
            // Another transaction (a SCIM provisioning, say) creates the address's user and gives it access...
            execute(
                    competitor,
                    "INSERT INTO directory.users (id, email, idp_managed) VALUES (?, ?, false)",
                    theirs,
                    contested);
            execute(
                    competitor,
                    "INSERT INTO directory.memberships (account_id, user_id, role, state) VALUES (?, ?, ?, 'ACTIVE')",
                    account,
                    theirs,
                    AccountRole.MANAGER.code());
            publish(job);
            // ...and commits while the worker's insert of the same address waits for it.
            LockWaits.awaitLockWait(dataSource, "INSERT INTO directory.users", PATIENCE);
            competitor.commit();
        }
        awaitFinished(job);

        assertThat(directory.userIdByEmail(contested)).contains(theirs);
        assertThat(directory.membership(account, theirs))
                .get()
                .extracting(Membership::state, Membership::role)
                .containsExactly(MembershipState.ACTIVE, AccountRole.MANAGER);
        StoredTask contestedTask = jobs.task(job.taskId(0));
        assertThat(contestedTask.status()).isEqualTo(TaskStatus.SKIPPED);
        assertThat(contestedTask.reason()).isEqualTo(ReasonCode.ALREADY_MEMBER);
        assertThat(contestedTask.userId()).isEqualTo(theirs);
        UUID created = directory.userIdByEmail(other).orElseThrow();
        assertThat(jobs.task(job.taskId(1)))
                .extracting(StoredTask::status, StoredTask::userId)
                .containsExactly(TaskStatus.SUCCEEDED, created);
        assertThat(directory.membership(account, created))
                .get()
                .extracting(Membership::state)
                .isEqualTo(MembershipState.INVITED);
    }

    private static void execute(Connection connection, String sql, Object... arguments) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < arguments.length; i++) {
                statement.setObject(i + 1, arguments[i]);
            }
            statement.executeUpdate();
        }
    }
}
