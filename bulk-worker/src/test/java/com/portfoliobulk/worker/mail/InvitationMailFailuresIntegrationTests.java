package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.servicesupport.scheduling.ScheduledTasksAutoConfiguration;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.RetryStamps;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.InvitationAccepts;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.ReceivedMail;
import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import com.portfoliobulk.worker.fixtures.TestSmtp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.ResponseEntity;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** Invitation e-mails when things go wrong between the worker and the SMTP server. */
class InvitationMailFailuresIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES = Instant.now().plus(7, ChronoUnit.DAYS);

    @LocalServerPort
    int workerPort;

    @Autowired
    MeterRegistry meters;

    @Autowired
    DataSource dataSource;

    @Autowired
    JavaMailSender mailSender;

    @Autowired
    InvitationMailSender sender;

    @Autowired
    MailProperties mailProperties;

    @Autowired
    ThreadPoolTaskScheduler scheduler;

    /**
     * The outage lasts five attempts: the back-off grows to its longest (the tests' {@code max-backoff},
     * 4 s) and stays there (1 s, 2 s, 4 s, 4 s).
     */
    @Test
    void anSmtpOutageDelaysTheMailButLosesNone() {
        String email = directory.newEmail();
        double retriedBefore = retried();
        TestSmtp.stop();
        try {
            SubmittedJob job = inviteToTwoAccounts(email);
            publish(job);
            awaitFinished(job);
            await().atMost(Duration.ofSeconds(90)).until(() -> attempts(email) >= 5);
            assertThat(status(email)).isEqualTo("PENDING");
            assertThat(hasTokenInClear(email))
                    .as("a message to be sent again keeps its token")
                    .isTrue();
        } finally {
            TestSmtp.restart();
        }

        // The SMTP server holds the message a moment before the worker's mark of it commits.
        await().atMost(PATIENCE).until(() -> "SENT".equals(status(email)));
        assertThat(TestSmtp.receivedBy(email)).hasSize(1);
        ReceivedMail mail = ReceivedMail.of(TestSmtp.receivedBy(email).getFirst());
        assertThat(mail.text()).contains("Brand ");
        assertThat(retried() - retriedBefore).isGreaterThanOrEqualTo(3);
        assertThat(hasTokenInClear(email)).isFalse();
        assertThat(accept(mail.token(), email).getStatusCode().value()).isEqualTo(200);
    }

    /**
     * The database cannot write the mark of the message (its disk is full: SQL state 53100, here a
     * trigger that refuses the row's update so) while the poll goes on every second. The mark is
     * written before the message is handed to the SMTP server, so each attempt fails before anything
     * goes out: the invitee gets no copy during the outage, and one once the database writes again.
     * Before, the mark followed the hand-over: every poll sent the message, then failed to mark it.
     */
    @Test
    void aDatabaseThatCannotWriteTheMarkSendsNoCopyPerPoll() {
        String email = "diskfull-" + UUID.randomUUID() + "@brand.example";
        String suffix = UUID.randomUUID().toString().replace("-", "");
        jdbc.sql("CREATE SEQUENCE directory.disk_full_" + suffix).update();
        jdbc.sql("""
                        CREATE FUNCTION directory.disk_full_%1$s() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.email = '%2$s' THEN
                            PERFORM nextval('directory.disk_full_%1$s');
                            RAISE EXCEPTION 'could not extend file: No space left on device'
                              USING ERRCODE = 'disk_full';
                          END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(suffix, email)).update();
        jdbc.sql("CREATE TRIGGER disk_full_" + suffix
                        + " BEFORE UPDATE ON directory.invitation_mails FOR EACH ROW EXECUTE FUNCTION"
                        + " directory.disk_full_" + suffix + "()")
                .update();
        try {
            SubmittedJob job = inviteToTwoAccounts(email);
            publish(job);
            awaitFinished(job);

            // Four polls have tried the message (the sequence counts the refused writes).
            await().atMost(PATIENCE)
                    .until(() -> jdbc.sql("SELECT last_value FROM directory.disk_full_" + suffix)
                                    .query(Long.class)
                                    .single()
                            >= 4);
            assertThat(status(email)).isEqualTo("PENDING");
            assertThat(TestSmtp.receivedBy(email))
                    .as("no copy while the database cannot write")
                    .hasSizeLessThanOrEqualTo(1);
        } finally {
            jdbc.sql("DROP TRIGGER disk_full_" + suffix + " ON directory.invitation_mails")
                    .update();
        }

        await().atMost(PATIENCE).until(() -> "SENT".equals(status(email)));
        assertThat(TestSmtp.receivedBy(email)).hasSize(1);
        assertThat(attempts(email)).isEqualTo(1);
    }

    /**
     * The SMTP server accepted the message, then the mark did not commit (here: the database refuses
     * the commit once, as when the worker dies or loses its connection at that moment). The row is
     * still due, so the message goes out again, under the same Message-ID, which lets the receiver
     * drop the copy.
     */
    @Test
    void aCrashBetweenSendAndMarkSendsTheSameMessageIdAgainSoTheSinkCanDropTheCopy() {
        String email = "crash-" + UUID.randomUUID() + "@brand.example";
        String suffix = UUID.randomUUID().toString().replace("-", "");
        jdbc.sql("CREATE SEQUENCE directory.crash_once_" + suffix).update();
        jdbc.sql("""
                        CREATE FUNCTION directory.crash_after_send_%1$s() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.status = 'SENT' AND NEW.email = '%2$s' THEN
                            IF nextval('directory.crash_once_%1$s') = 1 THEN
                              RAISE EXCEPTION 'lost after the SMTP server accepted the message';
                            END IF;
                          END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(suffix, email)).update();
        // Run at the commit, after the message was handed over.
        jdbc.sql("CREATE CONSTRAINT TRIGGER crash_after_send_" + suffix
                        + " AFTER UPDATE ON directory.invitation_mails DEFERRABLE INITIALLY DEFERRED"
                        + " FOR EACH ROW EXECUTE FUNCTION directory.crash_after_send_" + suffix + "()")
                .update();
        try {
            SubmittedJob job = inviteToTwoAccounts(email);
            publish(job);
            awaitFinished(job);

            await().atMost(PATIENCE).until(() -> "SENT".equals(status(email)));
        } finally {
            jdbc.sql("DROP TRIGGER crash_after_send_" + suffix + " ON directory.invitation_mails")
                    .update();
        }

        List<ReceivedMail> received =
                TestSmtp.receivedBy(email).stream().map(ReceivedMail::of).toList();
        assertThat(received).hasSize(2);
        assertThat(received.stream().map(ReceivedMail::messageId).distinct())
                .as("one Message-ID for both copies")
                .hasSize(1);
        assertThat(received.get(0).text()).isEqualTo(received.get(1).text());
    }

    /**
     * The worker's mail settings ask for TLS: offered STARTTLS, its sender takes it before it sends
     * anything (here the server then cannot speak TLS, so nothing is sent in the clear).
     */
    @Test
    void theWorkersMailSenderUpgradesToTlsWhenTheServerOffersIt() throws Exception {
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 OK", true, true)) {
            JavaMailSenderImpl sender = new JavaMailSenderImpl();
            sender.setHost("127.0.0.1");
            sender.setPort(smtp.port());
            sender.setJavaMailProperties(configured.getJavaMailProperties());
            MimeMessage message = sender.createMimeMessage();
            new MimeMessageHelper(message).setTo("nobody@brand.example");
            message.setFrom("invitations@portfolio.example");
            message.setText("Accept the invitation.");

            assertThatThrownBy(() -> sender.send(message)).isInstanceOf(MailException.class);
            assertThat(smtp.commands()).anyMatch(command -> command.equalsIgnoreCase("STARTTLS"));
            assertThat(smtp.commands())
                    .noneMatch(command -> command.toUpperCase().startsWith("MAIL"));
            assertThat(smtp.messages()).isEmpty();
        }
    }

    /**
     * The SMTP server takes the message and answers the end of its data only after longer than the
     * read timeout of every other reply (a server that scans the content, or is loaded): the worker
     * waits for that answer ({@code bulk.worker.mail.data-reply-timeout}), and the invitee gets one
     * e-mail. A worker that gave up at the read timeout would try again, and the server, which kept
     * every copy, would deliver one for each attempt. Here the worker's own mail sender talks to a
     * scripted server, with a read timeout of 2 s, which answers the end of data after 5 s.
     */
    @Test
    void aServerThatIsSlowToAcceptTheMessageGetsItOnce() throws Exception {
        String email = "slow-" + UUID.randomUUID() + "@brand.example";
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        Properties settings = configured.getJavaMailProperties();
        int port = configured.getPort();
        String readTimeout = settings.getProperty("mail.smtp.timeout");
        try (ScriptedSmtp smtp =
                new ScriptedSmtp("250 2.0.0 queued as 1", true).delayingReplyTo(".", Duration.ofSeconds(5))) {
            configured.setPort(smtp.port());
            settings.setProperty("mail.smtp.timeout", "2000");
            SubmittedJob job = inviteToTwoAccounts(email);
            publish(job);
            awaitFinished(job);

            await().atMost(PATIENCE).until(() -> attempts(email) > 0);
            assertThat(status(email)).isEqualTo("SENT");
            // Longer than the back-off after a failed attempt (1 s, then 2 s): no second attempt comes.
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).until(() -> attempts(email) == 1);
            assertThat(smtp.messages()).filteredOn(data -> data.contains(email)).hasSize(1);
        } finally {
            configured.setPort(port);
            settings.setProperty("mail.smtp.timeout", readTimeout);
        }
    }

    /**
     * With implicit TLS ({@code spring.mail.protocol=smtps}) a relay that takes the connection and then
     * says nothing, not even its part of the TLS handshake, costs the attempt the read timeout (the
     * worker's {@code mail.smtp.timeout}, 10 s): the e-mail is scheduled again and counted as retried,
     * and sent once the relay answers. Before, the worker's timeouts held for {@code smtp} only, and
     * the poll waited for ever: no retry, no count, no other e-mail sent. Here the sender's {@code smtps}
     * read timeout, the worker's 10 s, is shortened to 2 s for the attempt.
     */
    @Test
    void overImplicitTlsARelayThatNeverAnswersCostsTheAttemptTheReadTimeout() throws Exception {
        String email = "silent-" + UUID.randomUUID() + "@brand.example";
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int port = configured.getPort();
        Properties settings = configured.getJavaMailProperties();
        assertThat(settings.getProperty("mail.smtps.timeout"))
                .as("the smtps read timeout, the worker's mail.smtp.timeout")
                .isEqualTo(settings.getProperty("mail.smtp.timeout"))
                .isEqualTo("10000");
        double retriedBefore = retried();
        try (ScriptedSmtp silent = new ScriptedSmtp("250 2.0.0 queued as 1", true).answeringNothing()) {
            configured.setProtocol("smtps");
            configured.setPort(silent.port());
            settings.setProperty("mail.smtps.timeout", "2000");
            try {
                SubmittedJob job = inviteToTwoAccounts(email);
                publish(job);
                awaitFinished(job);

                await().atMost(Duration.ofSeconds(60)).until(() -> attempts(email) > 0);
                assertThat(status(email)).isEqualTo("PENDING");
                assertThat(lastError(email)).containsIgnoringCase("timed out");
                assertThat(retried() - retriedBefore).isGreaterThanOrEqualTo(1);
                assertThat(silent.connections()).isPositive();
            } finally {
                configured.setProtocol("smtp");
                configured.setPort(port);
                settings.setProperty("mail.smtps.timeout", settings.getProperty("mail.smtp.timeout"));
            }
        }

        await().atMost(PATIENCE).until(() -> "SENT".equals(status(email)));
        assertThat(TestSmtp.receivedBy(email)).hasSize(1);
    }

    /**
     * The relay refuses the worker's settings at {@code RCPT TO}, as Postfix does with a sender the
     * worker may not use and with relaying it does not permit: the e-mail is retried, as in an outage,
     * and goes out by itself once the relay takes it (here on its third attempt); its tasks show no
     * failure. A refusal of the invitee's address is not retried (see the test after the next).
     */
    @Test
    void aRelayRefusingTheWorkersSettingsAtTheRecipientIsRetriedUntilItTakesTheMail() throws Exception {
        String email = "relay-" + UUID.randomUUID() + "@brand.example";
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient(
                        email,
                        "553 5.7.1 <invitations@portfolio.example>: Sender address rejected: not owned by user"
                                + " worker",
                        "554 5.7.1 <" + email + ">: Relay access denied")) {
            SubmittedJob job = sendThrough(smtp, email);

            assertThat(status(email)).isEqualTo("SENT");
            assertThat(attempts(email)).isEqualTo(3);
            assertThat(smtp.messages()).filteredOn(data -> data.contains(email)).hasSize(1);
            assertThat(jobs.task(job.taskId(0)).error()).isNull();
            assertThat(jobs.task(job.taskId(1)).error()).isNull();
        }
    }

    /**
     * A retry is due the back-off after the failed attempt by the database's clock, which every due
     * check compares with (here 1 s, then 2 s): the statement that schedules it is stamped by a trigger
     * with its database time, and the next attempt is exactly the back-off after that. Before, the
     * worker's clock set it, taken before the statement, so it was never exactly the back-off after
     * the database's time, and a worker whose clock ran behind the database's made every retry due at
     * once.
     */
    @Test
    void aRetryIsDueTheBackOffAfterTheFailedAttemptByTheDatabasesClock() throws Exception {
        String email = "clock-" + UUID.randomUUID() + "@brand.example";
        try (RetryStamps stamps = new RetryStamps(
                        jdbc, "directory", "invitation_mails", "NEW.email = '" + email + "'", "statement_timestamp()");
                ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                        .refusingRecipient(
                                email,
                                "451 4.7.1 <" + email + ">: Recipient address rejected: greylisted",
                                "451 4.7.1 <" + email + ">: Recipient address rejected: greylisted")) {
            sendThrough(smtp, email);

            assertThat(status(email)).isEqualTo("SENT");
            List<String> waits = stamps.waits();
            assertThat(waits).containsExactly("1: 00:00:01", "2: 00:00:02");
        }
    }

    /**
     * The relay refuses one invitee's address for now at {@code RCPT TO} (greylisting, {@code 450
     * 4.7.1}): that e-mail is scheduled again, and the poll goes on with the others, which go out in
     * the same poll; the refused one goes out on its retry. Here the server holds its reply to {@code
     * RCPT TO} until the others are due (another job's) and every thread of the worker's scheduler but
     * the poll's holds a task of the test's; one more such task waits for the poll's thread, and runs
     * before the next poll, so the e-mails sent once it runs are those of the poll that met the
     * refusal. Before, any failure that was not permanent ended the poll: each refused address held up
     * every portfolio's e-mails until the next poll.
     */
    @Test
    void aTemporaryRefusalOfOneAddressLetsThePollGoOnWithTheOtherEMails() throws Exception {
        String greylisted = "greylisted-" + UUID.randomUUID() + "@brand.example";
        List<String> others = List.of(
                "other-a-" + UUID.randomUUID() + "@brand.example", "other-b-" + UUID.randomUUID() + "@brand.example");
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int port = configured.getPort();
        CountDownLatch holding = new CountDownLatch(ScheduledTasksAutoConfiguration.THREADS);
        CountDownLatch released = new CountDownLatch(1);
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient(greylisted, "450 4.7.1 <" + greylisted + ">: Recipient address rejected: greylisted")
                .holdingRepliesTo("RCPT")) {
            configured.setPort(smtp.port());
            try {
                SubmittedJob refused = inviteToTwoAccounts(greylisted);
                publish(refused);
                awaitFinished(refused);
                await().atMost(PATIENCE)
                        .until(() -> smtp.commands().stream().anyMatch(command -> command.contains(greylisted)));
                Portfolio portfolio = directory.portfolio(1);
                SubmittedJob job = jobs.submit(
                        portfolio.id(),
                        JobType.INVITE_USERS,
                        JobFixture.administrator(),
                        others.stream()
                                .map(email -> TaskSpec.invite(
                                        portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES))
                                .toList());
                publish(job);
                awaitFinished(job);
                for (int i = 0; i < ScheduledTasksAutoConfiguration.THREADS; i++) {
                    scheduler.execute(() -> {
                        holding.countDown();
                        try {
                            released.await();
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                await().atMost(PATIENCE).until(() -> holding.getCount() == 1);

                smtp.releaseRepliesTo("RCPT");
                await().atMost(PATIENCE).until(() -> holding.getCount() == 0);

                assertThat(attempts(greylisted))
                        .as("attempts of the refused e-mail")
                        .isPositive();
                for (String other : others) {
                    assertThat(status(other))
                            .as(other + ", after the poll that met the refusal")
                            .isEqualTo("SENT");
                }
            } finally {
                released.countDown();
                configured.setPort(port);
            }
        }

        await().atMost(PATIENCE).until(() -> "SENT".equals(status(greylisted)));
        assertThat(attempts(greylisted)).isEqualTo(2);
    }

    /**
     * The relay refuses the message after its data because the worker may not send as its sender
     * (Office 365's {@code SendAsDenied}): retried, and sent once the relay takes it.
     */
    @Test
    void aRelayRefusingTheSenderAfterTheDataIsRetriedUntilItTakesTheMail() throws Exception {
        String email = "send-as-" + UUID.randomUUID() + "@brand.example";
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingMessageTo(
                        email,
                        "554 5.2.252 SendAsDenied; worker@portfolio.example not allowed to send as"
                                + " invitations@portfolio.example")) {
            SubmittedJob job = sendThrough(smtp, email);

            assertThat(status(email)).isEqualTo("SENT");
            assertThat(attempts(email)).isEqualTo(2);
            assertThat(smtp.messages()).filteredOn(data -> data.contains(email)).hasSize(2);
            assertThat(jobs.task(job.taskId(0)).error()).isNull();
        }
    }

    /** The relay does not know the invitee: the e-mail ends FAILED on its first attempt, and says why. */
    @Test
    void aRecipientTheRelayDoesNotKnowEndsFailedAtOnce() throws Exception {
        String email = "unknown-" + UUID.randomUUID() + "@brand.example";
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient(email, "550 5.1.1 <" + email + ">: Recipient address rejected: User unknown")) {
            SubmittedJob job = sendThrough(smtp, email);

            assertThat(status(email)).isEqualTo("FAILED");
            assertThat(attempts(email)).isEqualTo(1);
            assertThat(smtp.messages()).filteredOn(data -> data.contains(email)).isEmpty();
            assertThat(jobs.task(job.taskId(0)).error())
                    .startsWith("Invitation e-mail not delivered: ")
                    .contains("5.1.1");
            assertThat(jobs.task(job.taskId(1)).error()).startsWith("Invitation e-mail not delivered: ");
        }
    }

    /**
     * The worker's lines about an e-mail the relay refuses (its sender first, then its recipient for now,
     * then for good) name it by its id and carry the server's replies without the invitee's address they
     * quote; the worker's own {@code From} stays, as it tells what to mend. The invitee is found by the
     * id ({@code directory.invitation_mails}). Before, each line of each of up to 40 attempts named the
     * invitee's address, twice when the server's reply quoted it.
     */
    @Test
    void theLinesOfAnEMailRetriedThenFailedNameItByIdAndNoAddress() throws Exception {
        String local = "logged-" + UUID.randomUUID();
        String email = local + "@brand.example";
        try (LogLines log = LogLines.of(InvitationMailSender.class.getName(), Level.INFO);
                ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                        .refusingRecipient(
                                email,
                                "553 5.7.1 <" + mailProperties.from() + ">: Sender address rejected: not owned by"
                                        + " user worker",
                                "451 4.7.1 <" + email + ">: Recipient address rejected: greylisted",
                                "550 5.1.1 <" + email + ">: Recipient address rejected: User unknown")) {
            sendThrough(smtp, email);

            assertThat(status(email)).isEqualTo("FAILED");
            UUID mailId = jdbc.sql("SELECT id FROM directory.invitation_mails WHERE email = ?")
                    .param(email)
                    .query(UUID.class)
                    .single();
            List<String> lines =
                    log.lines().stream().map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(lines)
                    .filteredOn(line -> line.contains(mailId.toString()))
                    .satisfiesExactly(
                            sender -> assertThat(sender)
                                    .startsWith("Invitation e-mail " + mailId + " failed (attempt 1), retried later: ")
                                    .contains("553 5.7.1 <" + mailProperties.from() + ">: Sender address rejected"),
                            retried -> assertThat(retried)
                                    .startsWith("Invitation e-mail " + mailId + " failed (attempt 2), retried later: ")
                                    .contains("451 4.7.1 <[address]>: Recipient address rejected: greylisted"),
                            failed -> assertThat(failed)
                                    .startsWith("Invitation e-mail " + mailId + " failed for good: ")
                                    .contains("550 5.1.1 <[address]>: Recipient address rejected: User unknown"));
            assertThat(lines).noneMatch(line -> line.toLowerCase(Locale.ROOT).contains(local));
            assertThat(lastError(email)).contains("550 5.1.1 <" + email + ">");
        }
    }

    /**
     * A failed e-mail's tasks are marked through the index of succeeded invitation tasks by job and
     * invitee (jobs migration V189), also as a plan prepared for any job and invitee. Before, the
     * statement read every succeeded task of the job: 0.5 s for each refused address of a 200,000-task
     * invitation job, 2.8 s at 1,000,000, on the sender's thread inside the e-mail's transaction.
     */
    @Test
    void aFailedEMailsTasksAreFoundByJobAndInviteeNotAmongAllTheJobsTasks() throws Exception {
        String statement = InvitationMailStore.MARK_TASKS_UNDELIVERED
                .replace(":error", "$1")
                .replace(":jobId", "$2")
                .replace(":userId", "$3");
        StringBuilder plan = new StringBuilder();
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            try (Statement sql = db.createStatement()) {
                // Invitations of many jobs and invitees, analyzed in this transaction: the plan is not left
                // to the statistics earlier tests leave (a few invitations of one job chose a bitmap scan).
                sql.execute("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status)
                        SELECT gen_random_uuid(), j.id, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                               'INVITE', 'SUCCEEDED'
                          FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 1000)) j,
                               generate_series(1, 10)
                        """);
                sql.execute("ANALYZE jobs.bulk_tasks");
                sql.execute("SET LOCAL plan_cache_mode = force_generic_plan");
                // Whether the index can serve the statement, not whether the tests' few tasks make a
                // sequential scan cheaper.
                sql.execute("SET LOCAL enable_seqscan = off");
                sql.execute("PREPARE mark_undelivered(text, uuid, uuid) AS " + statement);
                try (ResultSet lines = sql.executeQuery("EXPLAIN EXECUTE mark_undelivered('refused', '"
                        + UUID.randomUUID() + "', '" + UUID.randomUUID() + "')")) {
                    while (lines.next()) {
                        plan.append(lines.getString(1)).append('\n');
                    }
                }
            } finally {
                db.rollback();
            }
        }

        assertThat(plan.toString())
                .contains("Index Scan using bulk_tasks_invited_by_invitee on bulk_tasks")
                .contains("Index Cond: ((job_id = $2) AND (user_id = $3))");
    }

    /**
     * The worker stops (SIGTERM: {@code docker compose stop}, a redeploy) while a poll sends a burst of
     * e-mails: the poll ends after the e-mail in hand, which the server accepted and the worker marks
     * {@code SENT}; the others are not tried and stay due, and go out once each after the next start.
     * Before, the poll went on with up to 200 e-mails, one SMTP connection each, until the stop's 30 s
     * ran out, then was cut short with its connections: the e-mail being sent went out again after the
     * restart, and every such stop took 30 s longer. Here the scripted server holds its acceptance of
     * the first e-mail until the worker has been told to stop, as the context's stop tells it, in a
     * phase ahead of the scheduler's, whose stop waits for the running poll (not closing the tests'
     * shared context).
     */
    @Test
    void aStoppingWorkerEndsItsPollAfterTheEMailInHandAndLeavesTheOthersDue() throws Exception {
        Portfolio portfolio = directory.portfolio(3);
        List<String> emails = List.of(
                "stop-a-" + UUID.randomUUID() + "@brand.example",
                "stop-b-" + UUID.randomUUID() + "@brand.example",
                "stop-c-" + UUID.randomUUID() + "@brand.example");
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int port = configured.getPort();
        String inHand;
        List<String> others;
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true).holdingRepliesToData()) {
            configured.setPort(smtp.port());
            try {
                SubmittedJob job = jobs.submit(
                        portfolio.id(),
                        JobType.INVITE_USERS,
                        JobFixture.administrator(),
                        IntStream.range(0, emails.size())
                                .mapToObj(i -> TaskSpec.invite(
                                        portfolio.ownedAccount(i).id(),
                                        null,
                                        emails.get(i),
                                        AccountRole.ANALYST,
                                        EXPIRES))
                                .toList());
                publish(job);
                awaitFinished(job);
                await().atMost(PATIENCE).until(() -> smtp.messages().size() == 1);
                inHand = emails.stream()
                        .filter(email -> smtp.messages().getFirst().contains(email))
                        .findFirst()
                        .orElseThrow();
                others = emails.stream().filter(email -> !email.equals(inHand)).toList();

                stopAsTheContextDoes();
                smtp.releaseRepliesToData();

                await().atMost(PATIENCE).until(() -> "SENT".equals(status(inHand)));
                await().during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(10))
                        .untilAsserted(() -> {
                            assertThat(smtp.connections())
                                    .as("SMTP connections")
                                    .isEqualTo(1);
                            for (String other : others) {
                                assertThat(status(other)).as(other).isEqualTo("PENDING");
                                assertThat(attempts(other)).as(other).isZero();
                            }
                        });
                assertThat(attempts(inHand)).isEqualTo(1);
            } finally {
                configured.setPort(port);
                if (sender instanceof SmartLifecycle lifecycle) {
                    lifecycle.start();
                }
            }
        }

        // The next start (or another worker) sends the others, and the one in hand is not sent again.
        for (String other : others) {
            await().atMost(PATIENCE).until(() -> "SENT".equals(status(other)));
            assertThat(TestSmtp.receivedBy(other)).hasSize(1);
        }
        assertThat(TestSmtp.receivedBy(inHand)).isEmpty();
        assertThat(status(inHand)).isEqualTo("SENT");
    }

    /**
     * What the context's stop does to the invitation e-mails' sender in its first phase, the sender's
     * own ({@code SmartLifecycle.DEFAULT_PHASE}): it stops the sender before the scheduler's phase
     * ({@code Integer.MAX_VALUE / 2} since Spring Framework 7), which waits for the running scheduled
     * tasks (the poll among them) up to the phase's timeout.
     */
    private void stopAsTheContextDoes() {
        if (sender instanceof SmartLifecycle lifecycle
                && lifecycle.isRunning()
                && lifecycle.getPhase() >= scheduler.getPhase()) {
            lifecycle.stop(() -> {});
        }
    }

    /**
     * Invites {@code email} with the worker's own mail sender pointed at {@code smtp}, and waits until
     * the e-mail is sent or failed.
     */
    private SubmittedJob sendThrough(ScriptedSmtp smtp, String email) {
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int port = configured.getPort();
        configured.setPort(smtp.port());
        try {
            SubmittedJob job = inviteToTwoAccounts(email);
            publish(job);
            awaitFinished(job);
            await().atMost(PATIENCE).until(() -> List.of("SENT", "FAILED").contains(status(email)));
            return job;
        } finally {
            configured.setPort(port);
        }
    }

    private SubmittedJob inviteToTwoAccounts(String email) {
        Portfolio portfolio = directory.portfolio(2);
        return jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, email, AccountRole.MANAGER, EXPIRES)));
    }

    private int attempts(String email) {
        return jdbc.sql("SELECT attempts FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(Integer.class)
                .optional()
                .orElse(0);
    }

    private String lastError(String email) {
        return jdbc.sql("SELECT last_error FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(String.class)
                .single();
    }

    private boolean hasTokenInClear(String email) {
        return jdbc.sql("SELECT token IS NOT NULL FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(Boolean.class)
                .single();
    }

    private ResponseEntity<String> accept(String token, String email) {
        return InvitationAccepts.accept(workerPort, token, email);
    }

    private String status(String email) {
        return jdbc.sql("SELECT status FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    private double retried() {
        Counter counter = meters.find("bulk.invitation.mails.retried")
                .tag("language", "en")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
