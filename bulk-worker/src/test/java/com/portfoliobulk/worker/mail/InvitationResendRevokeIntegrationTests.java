package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.apply.TaskListener;
import com.portfoliobulk.worker.fixtures.InvitationAccepts;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.ReceivedMail;
import com.portfoliobulk.worker.fixtures.TestSmtp;
import com.portfoliobulk.worker.invitations.InvitationTokens;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Resending and revoking pending invitations in bulk: the jobs go through the same pipeline as every
 * other (tasks, rules, outcomes, activity), a resend sends one new e-mail whose link replaces the old
 * one, a revoke kills the link; active access is skipped {@code NOT_A_PENDING_INVITATION}.
 */
class InvitationResendRevokeIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES = Instant.now().plus(3, ChronoUnit.DAYS);

    private static final Instant RENEWED =
            Instant.now().plus(20, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    @LocalServerPort
    int port;

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    @Test
    void aResendRenewsThePendingInvitationsSendsOneNewMailAndTheOldLinkStopsWorking() {
        Portfolio portfolio = directory.portfolio(3);
        String email = directory.newEmail();
        ReceivedMail first = invite(portfolio, email);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        UUID member = directory.user();
        directory.member(portfolio.ownedAccount(2).id(), member, AccountRole.ANALYST);

        SubmittedJob resend = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(
                        task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(1).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(2).id(), member, TaskAction.RESEND_INVITATION)));
        publish(resend);
        awaitFinished(resend);

        assertThat(jobs.task(resend.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(jobs.task(resend.taskId(2)).reason()).isEqualTo(ReasonCode.NOT_A_PENDING_INVITATION);
        assertThat(directory
                        .membership(portfolio.ownedAccount(0).id(), invitee)
                        .orElseThrow()
                        .expiresAt())
                .isEqualTo(RENEWED);
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 2);
        ReceivedMail second = ReceivedMail.of(TestSmtp.receivedBy(email).get(1));
        assertThat(second.token()).isNotEqualTo(first.token());
        assertThat(second.text())
                .contains(
                        "Brand 1 " + portfolio.ownedAccount(0).id(),
                        "Brand 2 " + portfolio.ownedAccount(1).id());
        assertThat(TestSmtp.receivedBy(member.toString())).isEmpty();
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(resend))
                        .extracting(AccountActivityEvent::action)
                        .containsExactly(ActivityAction.INVITATION_RESENT, ActivityAction.INVITATION_RESENT));

        assertThat(accept(first.token(), email).getStatusCode().value())
                .as("the old link")
                .isEqualTo(404);
        assertThat(accept(second.token(), email).getStatusCode().value()).isEqualTo(200);
        assertThat(directory
                        .membership(portfolio.ownedAccount(1).id(), invitee)
                        .orElseThrow()
                        .state())
                .isEqualTo(MembershipState.ACTIVE);
    }

    /**
     * A resend of 1 day applied a day and an hour after its job was submitted (a worker or Kafka outage, a
     * dead letter re-driven later) keeps the invitee's invitation in force: renewed for a day from when it
     * is applied, with a new e-mail whose link accepts. Before, the invitation, with 3 days to run, was
     * replaced by one that had expired an hour earlier: the resend succeeded, its e-mail ended CANCELLED
     * unsent, and the link the invitee had stopped working.
     */
    @Test
    void aResendAppliedAfterTheExpiryItsJobWasSubmittedWithKeepsTheInvitationInForceForTheJobsPeriod() {
        Portfolio portfolio = directory.portfolio(2);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        invite(portfolio, email);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();

        SubmittedJob resend = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(task(account, invitee, TaskAction.RESEND_INVITATION)));
        jobs.submittedAgo(resend.id(), Duration.ofHours(25), Duration.ofDays(1));
        publish(resend);
        awaitFinished(resend);

        assertThat(jobs.task(resend.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        var invitation = directory.membership(account, invitee).orElseThrow();
        assertThat(invitation.state()).isEqualTo(MembershipState.INVITED);
        assertThat(invitation.expiresAt())
                .as("a day after it was resent")
                .isEqualTo(invitation.invitedAt().plus(Duration.ofDays(1)))
                .isAfter(Instant.now().plus(Duration.ofHours(23)));
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 2);
        ReceivedMail resent = ReceivedMail.of(TestSmtp.receivedBy(email).get(1));
        assertThat(resent.text())
                .contains("Brand 1 " + account)
                .contains(DateTimeFormatter.ofPattern("MMMM d, yyyy", Locale.ENGLISH)
                        .format(invitation.expiresAt().atZone(ZoneOffset.UTC)));
        assertThat(accept(resent.token(), email).getStatusCode().value()).isEqualTo(200);
        assertThat(directory.membership(account, invitee).orElseThrow().state()).isEqualTo(MembershipState.ACTIVE);
    }

    /**
     * One resend names an invitee's invitations made in two languages, one after the other: its e-mail is
     * in the language of the newest, whichever came first, and whichever of the resend's batches (they are
     * split by account) queued it. It was in whichever the database read first, of those the batch had
     * renewed.
     */
    @ParameterizedTest
    @CsvSource({"de, en", "en, de"})
    void aResendOfInvitationsInTwoLanguagesIsInTheNewestOnesLanguage(String first, String newest) {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        inviteIn(portfolio, 0, email, first, 1);
        inviteIn(portfolio, 1, email, newest, 2);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();

        ReceivedMail resent = resendBoth(portfolio, invitee, email, 3);
        assertThat(resent.text())
                .contains(
                        "Brand 1 " + portfolio.ownedAccount(0).id(),
                        "Brand 2 " + portfolio.ownedAccount(1).id());
        assertThat(resent.text().contains("Einladung annehmen")).as("in German").isEqualTo(newest.equals("de"));
    }

    /**
     * An expired invitation that a new one renewed in place counts as new: the resend's e-mail is in the
     * renewal's language. The language was that of the invitation created last, and a renewal keeps the
     * row, and so the time it was first created: the e-mail came in English.
     */
    @Test
    void aResendIsInTheLanguageOfAnExpiredInvitationRenewedSinceTheOthers() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        inviteIn(portfolio, 0, email, "de", 1);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        expire(portfolio.ownedAccount(0).id(), invitee);
        inviteIn(portfolio, 1, email, "en", 2);
        inviteIn(portfolio, 0, email, "fr", 3);

        ReceivedMail resent = resendBoth(portfolio, invitee, email, 4);

        assertThat(resent.text()).as("in French").contains("Accepter l'invitation");
    }

    /**
     * An invitation whose expiry has passed, and that the expiry sweep has not ended yet, is none of the
     * invitee's pending invitations: the resend's e-mail is in the language of those still pending. It was
     * in the expired one's when that one was created last.
     */
    @Test
    void aResendIsNotInTheLanguageOfAnExpiredInvitation() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        inviteIn(portfolio, 0, email, "fr", 1);
        inviteIn(portfolio, 1, email, "de", 2);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        expire(portfolio.ownedAccount(1).id(), invitee);

        ReceivedMail resent = resendBoth(portfolio, invitee, email, 3);

        assertThat(resent.text()).as("in French").contains("Accepter l'invitation");
    }

    /** Invites the address to the portfolio's account number {@code account} in the language; waits for its e-mail. */
    private void inviteIn(Portfolio portfolio, int account, String email, String language, int mails) {
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(new TaskSpec(
                        portfolio.ownedAccount(account).id(),
                        directory.userIdByEmail(email).orElse(null),
                        email,
                        TaskAction.INVITE,
                        AccountRole.ANALYST,
                        language,
                        EXPIRES)));
        publish(invitation);
        awaitFinished(invitation);
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == mails);
    }

    /** Moves the invitation's expiry into the past, as if the sweep had not run since. */
    private void expire(UUID accountId, UUID userId) {
        jdbc.sql("""
                        UPDATE directory.memberships SET expires_at = now() - interval '1 minute'
                         WHERE account_id = ? AND user_id = ?
                        """).params(accountId, userId).update();
    }

    /** Resends the invitee's invitations to both accounts of the portfolio; answers the resend's e-mail. */
    private ReceivedMail resendBoth(Portfolio portfolio, UUID invitee, String email, int mails) {
        SubmittedJob resend = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(
                        task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(1).id(), invitee, TaskAction.RESEND_INVITATION)));
        publish(resend);
        awaitFinished(resend);
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == mails);
        return ReceivedMail.of(TestSmtp.receivedBy(email).get(mails - 1));
    }

    /**
     * Resends in a loop (an administrator's script retrying, or one who means harm) send the invitee at
     * most bulk.worker.invitation.max-mails-per-day (10) e-mails of the portfolio a day: the resend that
     * would queue the 11th is skipped MAIL_LIMIT_REACHED and changes nothing, and the last e-mail's link
     * still accepts. E-mails are counted, not tasks: the invitation to three accounts is one e-mail, and a
     * resend of the three whose first task queued the 10th sends it with all three renewed. Before, every
     * resend sent an e-mail.
     */
    @Test
    void resendsInALoopSendTheInviteeAtMostTheDaysLimitOfMailsAndTheOneOverItChangesNothing() {
        Portfolio portfolio = directory.portfolio(3);
        String email = directory.newEmail();
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(2).id(), null, email, AccountRole.ANALYST, EXPIRES)));
        publish(invitation);
        awaitFinished(invitation);
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 1);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        for (int mails = 2; mails <= 9; mails++) {
            SubmittedJob resend = jobs.submit(
                    portfolio.id(),
                    JobType.RESEND_INVITATIONS,
                    JobFixture.administrator(),
                    List.of(task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION)));
            publish(resend);
            awaitFinished(resend);
            assertThat(jobs.task(resend.taskId(0)).status())
                    .as("resend %d", mails)
                    .isEqualTo(TaskStatus.SUCCEEDED);
            int expected = mails;
            await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == expected);
        }
        SubmittedJob tenth = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(
                        task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(1).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(2).id(), invitee, TaskAction.RESEND_INVITATION)));
        publish(tenth);
        awaitFinished(tenth);
        for (int i = 0; i < 3; i++) {
            assertThat(jobs.task(tenth.taskId(i)).status())
                    .as("the 10th e-mail's task %d", i)
                    .isEqualTo(TaskStatus.SUCCEEDED);
        }
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 10);
        ReceivedMail last = ReceivedMail.of(TestSmtp.receivedBy(email).get(9));
        assertThat(last.text())
                .contains(
                        "Brand 1 " + portfolio.ownedAccount(0).id(),
                        "Brand 2 " + portfolio.ownedAccount(1).id(),
                        "Brand 3 " + portfolio.ownedAccount(2).id());
        Map<String, Object> before = invitationOf(portfolio.ownedAccount(0).id(), invitee);

        SubmittedJob over = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION)));
        publish(over);
        awaitFinished(over);

        assertThat(jobs.task(over.taskId(0)).status()).isEqualTo(TaskStatus.SKIPPED);
        assertThat(jobs.task(over.taskId(0)).reason()).isEqualTo(ReasonCode.MAIL_LIMIT_REACHED);
        assertThat(invitationOf(portfolio.ownedAccount(0).id(), invitee))
                .as("token, job and expiry of the invitation")
                .isEqualTo(before);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ?")
                        .param(over.id())
                        .query(Long.class)
                        .single())
                .as("e-mails queued by the resend over the limit")
                .isZero();
        assertThat(accept(last.token(), email).getStatusCode().value())
                .as("the last e-mail's link")
                .isEqualTo(200);
        assertThat(TestSmtp.receivedBy(email)).hasSize(10);
    }

    /**
     * An e-mail a job queued in an earlier batch is counted once: a later task of that job in a batch adds
     * none, so another job's resend in the same batch is judged by the e-mails there are (9: it sends the
     * 10th). Before, the job's e-mail was counted again as one of the batch's, and the resend was skipped
     * at 9.
     */
    @Test
    void anEMailQueuedByAnEarlierBatchOfItsJobIsCountedOnceInALaterOne() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        SubmittedJob invitation = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, email, AccountRole.ANALYST, EXPIRES)));
        publish(invitation);
        awaitFinished(invitation);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        // Seven more e-mails of the portfolio in the last day, as earlier resends left them: 8 in all.
        for (int i = 0; i < 7; i++) {
            String token = UUID.randomUUID().toString();
            jdbc.sql("""
                            INSERT INTO directory.invitation_mails
                                (id, job_id, user_id, email, language, portfolio_id, inviter_email, token_digest,
                                 status, created_at)
                            VALUES (:id, :job, :user, :email, 'en', :portfolio, 'admin@agency.test', :digest, 'SENT',
                                    now() - interval '1 hour')
                            """)
                    .param("id", UUID.randomUUID())
                    .param("job", UUID.randomUUID())
                    .param("user", invitee)
                    .param("email", email)
                    .param("portfolio", portfolio.id())
                    .param("digest", InvitationTokens.digest(token))
                    .update();
        }
        SubmittedJob resend = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(
                        task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION),
                        task(portfolio.ownedAccount(1).id(), invitee, TaskAction.RESEND_INVITATION)));
        taskRecords().publish(List.of(resend.message(0)));
        // Its first task queues its e-mail, the 9th, sent once the job has ended.
        await().atMost(PATIENCE).until(() -> jobs.task(resend.taskId(0)).status() == TaskStatus.SUCCEEDED);
        SubmittedJob another = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(task(portfolio.ownedAccount(1).id(), invitee, TaskAction.RESEND_INVITATION)));
        MessageListenerContainer container = listeners.getListenerContainer(TaskListener.ID);
        container.pause();
        await().atMost(PATIENCE).until(container::isContainerPaused);
        // Both of the same account, so in one partition and, read after the pause, in one batch.
        taskRecords().publish(List.of(resend.message(1), another.message(0)));
        container.resume();

        awaitFinished(resend);
        awaitFinished(another);
        assertThat(jobs.task(resend.taskId(1)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(jobs.task(another.taskId(0)).status())
                .as(
                        "the resend that queues the 10th e-mail (reason %s)",
                        jobs.task(another.taskId(0)).reason())
                .isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE user_id = ?")
                        .param(invitee)
                        .query(Long.class)
                        .single())
                .isEqualTo(10);
    }

    private Map<String, Object> invitationOf(UUID accountId, UUID userId) {
        return jdbc.sql("""
                        SELECT invitation_token, invitation_job_id, expires_at FROM directory.memberships
                         WHERE account_id = ? AND user_id = ?
                        """).params(accountId, userId).query().singleRow();
    }

    @Test
    void aRevokeRemovesThePendingInvitationsAndTheirLinkStopsWorking() {
        Portfolio portfolio = directory.portfolio(3);
        String email = directory.newEmail();
        ReceivedMail mail = invite(portfolio, email);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        UUID member = directory.user();
        directory.member(portfolio.ownedAccount(2).id(), member, AccountRole.ANALYST);

        SubmittedJob revoke = jobs.submit(
                portfolio.id(),
                JobType.REVOKE_INVITATIONS,
                JobFixture.administrator(),
                List.of(
                        task(portfolio.ownedAccount(0).id(), invitee, TaskAction.REVOKE_INVITATION),
                        task(portfolio.ownedAccount(1).id(), invitee, TaskAction.REVOKE_INVITATION),
                        task(portfolio.ownedAccount(2).id(), member, TaskAction.REVOKE_INVITATION)));
        publish(revoke);
        awaitFinished(revoke);

        assertThat(directory.membership(portfolio.ownedAccount(0).id(), invitee))
                .isEmpty();
        assertThat(directory.membership(portfolio.ownedAccount(1).id(), invitee))
                .isEmpty();
        assertThat(jobs.task(revoke.taskId(2)).reason()).isEqualTo(ReasonCode.NOT_A_PENDING_INVITATION);
        assertThat(directory.membership(portfolio.ownedAccount(2).id(), member)).isPresent();
        assertThat(accept(mail.token(), email).getStatusCode().value()).isEqualTo(404);
        // Someone else signed in with the link: answered as a made-up token, not as another person's
        // invitation (403), which would tell that the link was real.
        String someoneElse = directory.newEmail();
        assertThat(accept(mail.token(), someoneElse).getStatusCode().value())
                .as("the revoked invitations' link, sent by someone else")
                .isEqualTo(accept(UUID.randomUUID().toString(), someoneElse)
                        .getStatusCode()
                        .value())
                .isEqualTo(404);
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(revoke))
                        .extracting(AccountActivityEvent::action)
                        .containsExactly(ActivityAction.INVITATION_REVOKED, ActivityAction.INVITATION_REVOKED));
    }

    /**
     * An invitee stored before the rule of addresses with their domain in Unicode ({@code
     * ...@m\u00fcller.example}) gets the resend's e-mail at the domain's xn-- form, and its link accepts.
     * Before, the mail library wrote each character outside ASCII as one byte, and the e-mail went to
     * another address.
     */
    @Test
    void aResendToAnAddressStoredWithItsDomainInUnicodeGoesToTheDomainsXnForm() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        invite(portfolio, email);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        String name = email.substring(0, email.indexOf('@'));
        String stored = name + "@m\u00fcller.example";
        String xnForm = name + "@xn--mller-kva.example";
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(stored, invitee)
                .update();

        ReceivedMail resent = resendBoth(portfolio, invitee, xnForm, 1);

        assertThat(resent.to()).isEqualTo(xnForm);
        assertThat(accept(resent.token(), xnForm).getStatusCode().value()).isEqualTo(200);
    }

    /**
     * An invitee stored before the rule of addresses with a letter outside ASCII before the @ ({@code
     * k\u00f6nig...}), which no mail server without SMTPUTF8 takes: the resend's e-mail ends FAILED at
     * once, without an attempt at the server, and the resend task says why. Before, it went out to
     * another address (each such letter written as one byte) and was recorded as sent.
     */
    @Test
    void aResendToAnAddressWithALetterOutsideAsciiBeforeTheAtFailsWithTheReason() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        invite(portfolio, email);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        String stored = "k\u00f6nig." + email;
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(stored, invitee)
                .update();
        SubmittedJob resend = jobs.submit(
                portfolio.id(),
                JobType.RESEND_INVITATIONS,
                JobFixture.administrator(),
                List.of(task(portfolio.ownedAccount(0).id(), invitee, TaskAction.RESEND_INVITATION)));
        publish(resend);
        awaitFinished(resend);

        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT status FROM directory.invitation_mails WHERE job_id = ?")
                        .param(resend.id())
                        .query(String.class)
                        .optional()
                        .filter(status -> !status.equals("PENDING"))
                        .isPresent());
        Map<String, Object> mail = jdbc.sql(
                        "SELECT status, attempts, last_error FROM directory.invitation_mails WHERE job_id = ?")
                .param(resend.id())
                .query()
                .singleRow();
        assertThat(mail)
                .containsEntry("status", "FAILED")
                .containsEntry("attempts", 1)
                .containsEntry(
                        "last_error",
                        "address has non-ASCII characters before the @, which mail servers without SMTPUTF8"
                                + " cannot take");
        assertThat(jobs.task(resend.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(jobs.task(resend.taskId(0)).error())
                .isEqualTo("Invitation e-mail not delivered: address has non-ASCII characters before the @,"
                        + " which mail servers without SMTPUTF8 cannot take");
    }

    /** Invites the address to the first two accounts and answers the e-mail it got. */
    private ReceivedMail invite(Portfolio portfolio, String email) {
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, email, AccountRole.SUPPORT, EXPIRES)));
        publish(job);
        awaitFinished(job);
        await().atMost(PATIENCE).until(() -> TestSmtp.receivedBy(email).size() == 1);
        return ReceivedMail.of(TestSmtp.receivedBy(email).getFirst());
    }

    private static TaskSpec task(UUID accountId, UUID userId, TaskAction action) {
        return new TaskSpec(
                accountId, userId, null, action, null, null, action == TaskAction.RESEND_INVITATION ? RENEWED : null);
    }

    private ResponseEntity<String> accept(String token, String email) {
        return InvitationAccepts.accept(port, token, email);
    }
}
