package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.InvitationAccepts;
import com.portfoliobulk.worker.fixtures.JobFixture;
import com.portfoliobulk.worker.fixtures.JobFixture.SubmittedJob;
import com.portfoliobulk.worker.fixtures.JobFixture.TaskSpec;
import com.portfoliobulk.worker.fixtures.ReceivedMail;
import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import com.portfoliobulk.worker.fixtures.TestSmtp;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * Invitation e-mails from task to inbox: the worker applies an invitation job, queues one message per
 * invitee, and sends it over SMTP to a real (GreenMail) server once the job has finished; the link in
 * the message accepts every invitation it names. An acceptance and a job that change the same
 * invitation at the same time are logged in the order they reached it.
 */
class InvitationMailIntegrationTests extends WorkerIntegrationSupport {

    private static final Instant EXPIRES =
            Instant.now().plus(7, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @Autowired
    DataSource dataSource;

    @Autowired
    JavaMailSender mailSender;

    @Test
    void aJobInvitingTwoPeopleToThreeAccountsSendsOneMailToEachNamingTheThreeAccounts() throws Exception {
        Portfolio portfolio = directory.portfolio(3);
        String first = directory.newEmail();
        String second = directory.newEmail();
        List<TaskSpec> tasks = new ArrayList<>();
        for (String email : List.of(first, second)) {
            for (int i = 0; i < 3; i++) {
                tasks.add(TaskSpec.invite(
                        portfolio.ownedAccount(i).id(),
                        null,
                        email,
                        AccountRole.standardRoles().get(i + 2),
                        EXPIRES));
            }
        }
        SubmittedJob job = jobs.submit(portfolio.id(), JobType.INVITE_USERS, JobFixture.administrator(), tasks);
        publish(job);
        awaitFinished(job);

        for (String email : List.of(first, second)) {
            ReceivedMail mail = awaitOneMailTo(email);
            assertThat(mail.subject())
                    .isEqualTo(
                            job.requestedBy().email() + " invited you to 3 account(s) of Portfolio " + portfolio.id());
            assertThat(mail.text())
                    .contains("Brand 1 " + portfolio.ownedAccount(0).id() + ": Manager")
                    .contains("Brand 2 " + portfolio.ownedAccount(1).id() + ": Analyst")
                    .contains("Brand 3 " + portfolio.ownedAccount(2).id() + ": Campaign coordinator")
                    .contains(job.requestedBy().email())
                    .contains("http://localhost:8080/invitations/" + mail.token());
            assertThat(mail.html())
                    .contains("<td>Brand 3 " + portfolio.ownedAccount(2).id() + "</td><td>Campaign coordinator</td>")
                    .contains("href=\"http://localhost:8080/invitations/" + mail.token() + "\"");
            // Its id in the sender's own domain, and marked for automatic responders not to answer it.
            MimeMessage received = TestSmtp.receivedBy(email).getFirst();
            String sender = ((InternetAddress) received.getFrom()[0]).getAddress();
            String senderDomain = sender.substring(sender.lastIndexOf('@') + 1);
            assertThat(senderDomain).isEqualTo("portfolio-bulk-access.local");
            assertThat(mail.messageId()).matches("<[0-9a-f-]{36}@" + Pattern.quote(senderDomain) + ">");
            assertThat(received.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        }

        // The link of the first person's message accepts all three of their invitations, nothing else.
        String token = ReceivedMail.of(TestSmtp.receivedBy(first).getFirst()).token();
        assertThat(accept(token, second).getStatusCode().value()).isEqualTo(403);
        var accepted = accept(token, first);
        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        assertThat(accepted.getBody()).contains("\"state\":\"ACTIVE\"");
        UUID firstUser = directory.userIdByEmail(first).orElseThrow();
        UUID secondUser = directory.userIdByEmail(second).orElseThrow();
        for (int i = 0; i < 3; i++) {
            assertThat(directory
                            .membership(portfolio.ownedAccount(i).id(), firstUser)
                            .orElseThrow()
                            .state()
                            .name())
                    .isEqualTo("ACTIVE");
            assertThat(directory
                            .membership(portfolio.ownedAccount(i).id(), secondUser)
                            .orElseThrow()
                            .state()
                            .name())
                    .isEqualTo("INVITED");
        }
        // Each acceptance is in its account's activity log, in the invitee's name, with the role it gave.
        List<UUID> acceptedIds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            acceptedIds.add(UUID.nameUUIDFromBytes(
                    ("invitation-accepted:" + portfolio.ownedAccount(i).id() + ":" + firstUser + ":" + job.id())
                            .getBytes(StandardCharsets.UTF_8)));
        }
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(activityOf(acceptedIds))
                        .hasSize(3)
                        .allSatisfy(event -> {
                            assertThat(event.action()).isEqualTo(ActivityAction.INVITATION_ACCEPTED);
                            assertThat(event.targetUser().userId()).isEqualTo(firstUser);
                            assertThat(event.actor()).isEqualTo(new Actor(firstUser, first, ActorKind.INVITEE));
                            assertThat(event.portfolioId()).isEqualTo(portfolio.id());
                            assertThat(event.jobId()).isEqualTo(job.id());
                            assertThat(event.previousRole()).isNull();
                        })
                        .extracting(AccountActivityEvent::newRole)
                        .containsExactlyInAnyOrder(
                                AccountRole.standardRoles().get(2),
                                AccountRole.standardRoles().get(3),
                                AccountRole.standardRoles().get(4)));
        await().atMost(PATIENCE)
                .untilAsserted(() -> assertThat(
                                jdbc.sql("SELECT count(*) FROM directory.accepted_invitations" + " WHERE user_id = ?")
                                        .param(firstUser)
                                        .query(Long.class)
                                        .single())
                        .as("logged, then no longer noted")
                        .isZero());
        // Sent again (its first answer lost to a timeout, the page reloaded): the same access, nothing new.
        var again = accept(token, first);
        assertThat(again.getStatusCode().value()).isEqualTo(200);
        assertThat(again.getBody()).isEqualTo(accepted.getBody());
        assertThat(accept(token, second).getStatusCode().value()).isEqualTo(403);
        // Once that access is removed, the link gives nothing back.
        jdbc.sql("DELETE FROM directory.memberships WHERE user_id = ?")
                .param(firstUser)
                .update();
        assertThat(accept(token, first).getStatusCode().value())
                .as("nothing left")
                .isEqualTo(404);
        assertThat(activityOf(acceptedIds)).as("each acceptance logged once").hasSize(3);
    }

    @Test
    void aCustomAccountRoleIsNamedAsThePortfolioConfiguredItAndAStandardRoleKeepsItsWords() {
        Portfolio portfolio = directory.portfolio(3);
        AccountRole regionalLead = new AccountRole("REGIONAL_LEAD");
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (:portfolio, 'REGIONAL_LEAD', 'Area director', ARRAY['VIEW_ACCOUNT']),
                               (:other, 'REGIONAL_LEAD', 'Someone else''s name', ARRAY['VIEW_ACCOUNT'])
                        """)
                .param("portfolio", portfolio.id())
                .param("other", UUID.randomUUID())
                .update();
        String english = directory.newEmail();
        String german = directory.newEmail();
        List<TaskSpec> tasks = new ArrayList<>();
        for (String email : List.of(english, german)) {
            String language = email.equals(english) ? "en" : "de";
            tasks.add(new TaskSpec(
                    portfolio.ownedAccount(0).id(), null, email, TaskAction.INVITE, regionalLead, language, EXPIRES));
            tasks.add(new TaskSpec(
                    portfolio.ownedAccount(1).id(),
                    null,
                    email,
                    TaskAction.INVITE,
                    AccountRole.ANALYST,
                    language,
                    EXPIRES));
        }
        SubmittedJob job = jobs.submit(portfolio.id(), JobType.INVITE_USERS, JobFixture.administrator(), tasks);
        publish(job);
        awaitFinished(job);

        ReceivedMail mail = awaitOneMailTo(english);
        assertThat(mail.text())
                .contains("  - Brand 1 " + portfolio.ownedAccount(0).id() + ": Area director")
                .contains("  - Brand 2 " + portfolio.ownedAccount(1).id() + ": Analyst")
                .doesNotContain("REGIONAL_LEAD")
                .doesNotContain("Regional lead");
        assertThat(mail.html())
                .contains("<td>Brand 1 " + portfolio.ownedAccount(0).id() + "</td><td>Area director</td>")
                .contains("<td>Brand 2 " + portfolio.ownedAccount(1).id() + "</td><td>Analyst</td>");
        ReceivedMail inGerman = awaitOneMailTo(german);
        assertThat(inGerman.text())
                .contains("Brand 1 " + portfolio.ownedAccount(0).id() + ": Area director")
                .doesNotContain("Regional lead");
    }

    @Test
    void aCustomRoleNameStoredWithALineBreakBeforeNamesWereOneLineReadsAsOneLineInBothParts() {
        Portfolio portfolio = directory.portfolio(1);
        // Written as a name stored before the gateway refused line breaks and direction controls.
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        VALUES (:portfolio, 'LEGACY_LEAD', :name, ARRAY['VIEW_ACCOUNT'])
                        """)
                .param("portfolio", portfolio.id())
                .param("name", "Analyst\r\n\nYour access expires today\u2028confirm at https://evil.example\u202E")
                .update();
        String invitee = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(new TaskSpec(
                        portfolio.ownedAccount(0).id(),
                        null,
                        invitee,
                        TaskAction.INVITE,
                        new AccountRole("LEGACY_LEAD"),
                        "en",
                        EXPIRES)));
        publish(job);
        awaitFinished(job);

        ReceivedMail mail = awaitOneMailTo(invitee);
        String shown = "Analyst\uFFFD\uFFFD\uFFFDYour access expires today\uFFFDconfirm at https://evil.example\uFFFD";
        assertThat(mail.text())
                .contains("  - Brand 1 " + portfolio.ownedAccount(0).id() + ": " + shown)
                .doesNotContain("\nYour access")
                .doesNotContain("\u2028")
                .doesNotContain("\u202E");
        assertThat(mail.html())
                .contains("<td>Brand 1 " + portfolio.ownedAccount(0).id() + "</td><td>" + shown + "</td>")
                .doesNotContain("\u2028")
                .doesNotContain("\u202E");
    }

    /**
     * An account's or the portfolio's name with a line break reads as one line, with U+FFFD for the
     * break, as a role's does: "Brand: Support" followed by a line "  - Bank: Admin" used to add an
     * account line that read as the message's own, and a right-to-left override reversed the text
     * after it, in the subject and both parts.
     */
    @Test
    void anAccountOrPortfolioNameWithALineBreakOrDirectionControlReadsAsOneLineInTheSubjectAndBothParts() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        jdbc.sql("UPDATE directory.accounts SET name = :name WHERE id = :id")
                .param("name", "Brand: Support\n  - Bank: Admin")
                .param("id", account)
                .update();
        jdbc.sql("UPDATE directory.portfolios SET name = :name WHERE id = :id")
                .param("name", "Acme\u202Eevil\r\nBcc")
                .param("id", portfolio.id())
                .update();
        String invitee = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(new TaskSpec(account, null, invitee, TaskAction.INVITE, AccountRole.SUPPORT, "en", EXPIRES)));
        publish(job);
        awaitFinished(job);

        ReceivedMail mail = awaitOneMailTo(invitee);
        assertThat(mail.text())
                .contains("  - Brand: Support\uFFFD  - Bank: Admin: Support\r\n")
                .contains("the portfolio \"Acme\uFFFDevil\uFFFD\uFFFDBcc\"")
                .doesNotContain("\n  - Bank: Admin")
                .doesNotContain("\u202E");
        assertThat(mail.html()).doesNotContain("\u202E").doesNotContain("\n  - Bank");
        assertThat(mail.subject()).endsWith("of Acme\uFFFDevil\uFFFD\uFFFDBcc").doesNotContain("\u202E");
    }

    @Test
    void aMessageInvitingToManyAccountsNamesTheFirstByNameAndCountsTheRestAndItsLinkAcceptsThemAll() {
        int invited = InvitationMailTemplates.LISTED_ACCOUNTS + 3;
        Portfolio portfolio = directory.portfolio(invited);
        String email = directory.newEmail();
        // Two more invitees to one account past the list, in languages whose word for the one left out
        // is not that for several: French "autre" and German "weiteres" (ein Konto) for one.
        String french = directory.newEmail();
        String german = directory.newEmail();
        List<TaskSpec> tasks = new ArrayList<>(portfolio.ownedAccounts().stream()
                .map(account -> invite(account.id(), email, "en"))
                .toList());
        portfolio.ownedAccounts().stream()
                .limit(InvitationMailTemplates.LISTED_ACCOUNTS + 1)
                .forEach(account -> {
                    tasks.add(invite(account.id(), french, "fr"));
                    tasks.add(invite(account.id(), german, "de"));
                });
        SubmittedJob job = jobs.submit(portfolio.id(), JobType.INVITE_USERS, JobFixture.administrator(), tasks);
        publish(job);
        awaitFinished(job);

        int oneLeftOut = InvitationMailTemplates.LISTED_ACCOUNTS + 1;
        ReceivedMail inFrench = awaitOneMailTo(french);
        assertThat(inFrench.text()).contains("  … et 1 autre (" + oneLeftOut + " comptes en tout)");
        assertThat(inFrench.html())
                .contains("… et <span>1</span> autre (<span>" + oneLeftOut + "</span> comptes en tout)");
        ReceivedMail inGerman = awaitOneMailTo(german);
        assertThat(inGerman.text()).contains("  … und 1 weiteres (insgesamt " + oneLeftOut + " Konten)");
        assertThat(inGerman.html())
                .contains("… und <span>1</span> weiteres (insgesamt <span>" + oneLeftOut + "</span> Konten)");

        ReceivedMail mail = awaitOneMailTo(email);
        assertThat(mail.subject()).contains("invited you to " + invited + " account(s)");
        // Named as the message sorts them: by account name ("Brand 1 <id>", "Brand 10 <id>", ...).
        List<String> names = portfolio.ownedAccounts().stream()
                .map(account -> "Brand " + (portfolio.ownedAccounts().indexOf(account) + 1) + " " + account.id())
                .sorted()
                .toList();
        List<String> listed =
                mail.text().lines().filter(line -> line.startsWith("  - ")).toList();
        assertThat(listed)
                .containsExactlyElementsOf(names.subList(0, InvitationMailTemplates.LISTED_ACCOUNTS).stream()
                        .map(name -> "  - " + name + ": Support")
                        .toList());
        assertThat(mail.text()).contains("  … and 3 more (" + invited + " accounts in all)");
        assertThat(mail.html())
                .contains("… and <span>3</span> more (<span>" + invited + "</span> accounts in all)")
                .doesNotContain(names.getLast());
        assertThat(Pattern.compile("<tr><td>").matcher(mail.html()).results())
                .hasSize(InvitationMailTemplates.LISTED_ACCOUNTS);

        var accepted = accept(mail.token(), email);
        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        UUID user = directory.userIdByEmail(email).orElseThrow();
        assertThat(portfolio.ownedAccounts())
                .allSatisfy(account -> assertThat(directory
                                .membership(account.id(), user)
                                .orElseThrow()
                                .state()
                                .name())
                        .isEqualTo("ACTIVE"));
    }

    /**
     * Once the e-mail is sent, the directory holds only the digest of its token: no row of the outbox
     * or of the memberships has the token its link carries, and the link accepts, and answers again.
     */
    @Test
    void onceTheMailIsSentTheDirectoryHoldsNoTokenOfItsLinkAndTheLinkStillAccepts() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        SubmittedJob job = inviteToBoth(portfolio, email, AccountRole.SUPPORT);
        publish(job);
        awaitFinished(job);
        ReceivedMail mail = awaitOneMailTo(email);
        // The SMTP server holds the message a moment before the worker's mark of it commits.
        await().atMost(PATIENCE).until(() -> "SENT".equals(mailStatus(email)));

        assertThat(rowsHolding(mail.token())).isZero();

        var accepted = accept(mail.token(), email);
        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        assertThat(accepted.getBody())
                .contains(
                        portfolio.ownedAccount(0).id().toString(),
                        portfolio.ownedAccount(1).id().toString());
        var again = accept(mail.token(), email);
        assertThat(again.getStatusCode().value())
                .as("answers the access it gave")
                .isEqualTo(200);
        assertThat(again.getBody())
                .contains(
                        portfolio.ownedAccount(0).id().toString(),
                        portfolio.ownedAccount(1).id().toString());
        assertThat(rowsHolding(mail.token())).isZero();
    }

    @Test
    void theMessageOfARunningJobWaitsForItsEndWithoutHoldingUpAFinishedJobs() {
        Portfolio portfolio = directory.portfolio(2);
        String waiting = directory.newEmail();
        String finished = directory.newEmail();
        SubmittedJob running = inviteToBoth(portfolio, waiting, AccountRole.SUPPORT);
        taskRecords().publish(List.of(running.message(0)));
        await().atMost(PATIENCE).until(() -> jobs.task(running.taskId(0)).status() == TaskStatus.SUCCEEDED);
        SubmittedJob done = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(portfolio.ownedAccount(0).id(), null, finished, AccountRole.ANALYST, EXPIRES)));
        publish(done);
        awaitFinished(done);

        awaitOneMailTo(finished);
        assertThat(jobs.job(running.id()).status().isTerminal()).isFalse();
        assertThat(TestSmtp.receivedBy(waiting)).as("the running job's message").isEmpty();

        taskRecords().publish(List.of(running.message(1)));
        awaitFinished(running);
        assertThat(awaitOneMailTo(waiting).subject()).contains("invited you to 2 account(s)");
    }

    /**
     * A job that the removal of the administrator who submitted it cancelled (and marked withdrawn) after
     * it had applied some of its invitations: none of its e-mails goes out, the invitations it applied
     * are revoked, each logged {@code INVITATION_REVOKED} by the remover, and its e-mail ends {@code
     * CANCELLED}. Before, the cancellation released the e-mail: the outsider got the fired
     * administrator's invitation as ADMIN to 2 accounts, naming them, and its link made them ADMIN. A job
     * an administrator cancels still sends the invitations it applied.
     */
    @Test
    void theInvitationsOfAJobWithdrawnByItsSubmittersRemovalAreRevokedAndNeverMailed() {
        Portfolio portfolio = directory.portfolio(4);
        String outsider = directory.newEmail();
        String invitee = directory.newEmail();
        SubmittedJob withdrawn = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, outsider, AccountRole.ADMIN, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, outsider, AccountRole.ADMIN, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(2).id(), null, outsider, AccountRole.ADMIN, EXPIRES)));
        SubmittedJob cancelled = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(3).id(), null, invitee, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(
                                portfolio.ownedAccount(3).id(),
                                null,
                                directory.newEmail(),
                                AccountRole.ANALYST,
                                EXPIRES)));
        taskRecords().publish(List.of(withdrawn.message(0), withdrawn.message(1), cancelled.message(0)));
        await().atMost(PATIENCE)
                .until(() -> Stream.of(withdrawn.taskId(0), withdrawn.taskId(1), cancelled.taskId(0))
                        .allMatch(task -> jobs.task(task).status() == TaskStatus.SUCCEEDED));
        Actor remover = JobFixture.administrator();

        jobs.cancelWithdrawnBy(withdrawn.id(), remover);
        jobs.cancel(cancelled.id());

        assertThat(awaitOneMailTo(invitee).subject()).contains("invited you to 1 account(s)");
        await().atMost(PATIENCE).until(() -> !"PENDING".equals(mailStatus(outsider)));
        assertThat(mailStatus(outsider)).isEqualTo("CANCELLED");
        assertThat(TestSmtp.receivedBy(outsider))
                .as("the withdrawn job's e-mail")
                .isEmpty();
        UUID outsiderId = directory.userIdByEmail(outsider).orElseThrow();
        for (int account = 0; account < 2; account++) {
            assertThat(directory.membership(portfolio.ownedAccount(account).id(), outsiderId))
                    .isEmpty();
            AccountActivityEvent revoked =
                    awaitEvent(portfolio.ownedAccount(account).id(), ActivityAction.INVITATION_REVOKED);
            assertThat(revoked.actor()).isEqualTo(remover);
            assertThat(revoked.jobId()).isEqualTo(withdrawn.id());
            assertThat(revoked.previousRole()).isEqualTo(AccountRole.ADMIN);
            assertThat(revoked.targetUser().email()).isEqualTo(outsider);
        }
        assertThat(directory.membership(
                        portfolio.ownedAccount(3).id(),
                        directory.userIdByEmail(invitee).orElseThrow()))
                .as("the cancelled job's invitation")
                .isPresent();
    }

    /**
     * Portfolios take turns: the e-mails of a portfolio's small job, queued while another portfolio's
     * large job's e-mails are being sent, go out between them, not after all of them. Here the SMTP
     * server holds its acceptance of the large job's first e-mail until the small job has finished, so
     * that both jobs' e-mails are queued when the sender goes on; the order of the e-mails is the order
     * of their {@code RCPT TO}. Before, the sender took the oldest due e-mail of all, and the small job's
     * invitees got theirs after every one of the large job's.
     */
    @Test
    void portfoliosTakeTurnsSoAFewInviteesAreNotMailedAfterAllOfAnotherPortfoliosMany() throws Exception {
        Portfolio large = directory.portfolio(1);
        Portfolio small = directory.portfolio(1);
        List<String> many = IntStream.range(0, 30)
                .mapToObj(i -> "many-" + i + "-" + UUID.randomUUID() + "@brand.example")
                .toList();
        List<String> few = IntStream.range(0, 3)
                .mapToObj(i -> "few-" + i + "-" + UUID.randomUUID() + "@brand.example")
                .toList();
        JavaMailSenderImpl configured = (JavaMailSenderImpl) mailSender;
        int smtpPort = configured.getPort();
        List<String> recipients;
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true).holdingRepliesToData()) {
            configured.setPort(smtp.port());
            try {
                SubmittedJob largeJob = inviteEach(large, many);
                publish(largeJob);
                awaitFinished(largeJob);
                await().atMost(PATIENCE).until(() -> !smtp.messages().isEmpty());
                SubmittedJob smallJob = inviteEach(small, few);
                publish(smallJob);
                awaitFinished(smallJob);

                smtp.releaseRepliesToData();
                await().atMost(PATIENCE).until(() -> sentOf(largeJob) == many.size() && sentOf(smallJob) == few.size());
            } finally {
                configured.setPort(smtpPort);
            }
            recipients = smtp.commands().stream()
                    .filter(command -> command.toUpperCase(Locale.ROOT).startsWith("RCPT TO:"))
                    .map(command -> command.substring(command.indexOf('<') + 1, command.indexOf('>'))
                            .toLowerCase(Locale.ROOT))
                    .filter(recipient -> many.contains(recipient) || few.contains(recipient))
                    .toList();
        }

        assertThat(recipients).hasSize(many.size() + few.size());
        assertThat(recipients.getFirst())
                .as("the large job's first e-mail, held")
                .isIn(many);
        int lastOfFew = few.stream().mapToInt(recipients::indexOf).max().orElseThrow();
        assertThat(recipients.subList(0, lastOfFew))
                .as("the large job's e-mails sent before the small job's last")
                .filteredOn(many::contains)
                .hasSize(few.size());
    }

    /**
     * A message that waited past the expiry of its invitations (here for its job; an SMTP outage does
     * the same) announces only those left: the expiry sweep has not ended the others (it waits while
     * Kafka is down), but their expiry has passed, and their link would answer that they expired.
     */
    @Test
    void aMessageAnnouncesNoInvitationWhoseExpiryPassedWhileItWaited() {
        Portfolio portfolio = directory.portfolio(2);
        String expired = directory.newEmail();
        String partly = directory.newEmail();
        UUID first = portfolio.ownedAccount(0).id();
        UUID second = portfolio.ownedAccount(1).id();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(first, null, expired, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(first, null, partly, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(second, null, partly, AccountRole.SUPPORT, EXPIRES)));
        taskRecords().publish(List.of(job.message(0), job.message(1)));
        await().atMost(PATIENCE)
                .until(() -> jobs.task(job.taskId(0)).status() == TaskStatus.SUCCEEDED
                        && jobs.task(job.taskId(1)).status() == TaskStatus.SUCCEEDED);
        // While the job runs, the invitations made so far expire; the sweep does not run.
        jdbc.sql("UPDATE directory.memberships SET expires_at = now() - interval '1 hour' WHERE invitation_job_id = ?")
                .param(job.id())
                .update();
        taskRecords().publish(List.of(job.message(2)));
        awaitFinished(job);

        await().atMost(PATIENCE).until(() -> "CANCELLED".equals(mailStatus(expired)));
        assertThat(jdbc.sql("SELECT last_error FROM directory.invitation_mails WHERE email = ?")
                        .param(expired)
                        .query(String.class)
                        .single())
                .isEqualTo("No pending invitation of the job is left to announce");
        assertThat(TestSmtp.receivedBy(expired))
                .as("messages to the invitee whose invitation expired")
                .isEmpty();
        ReceivedMail left = awaitOneMailTo(partly);
        assertThat(left.subject()).contains("invited you to 1 account(s)");
        assertThat(left.text()).contains("Brand 2 " + second + ": Support").doesNotContain(first.toString());
    }

    /**
     * An invitation of 1 day applied a day and an hour after its job was submitted (a worker or Kafka
     * outage, a task held back behind a stuck one, a dead letter re-driven later) lasts its day from when
     * it is applied: its e-mail is sent, with that expiry, and its link accepts. Before, it was stored with
     * the expiry its submission set, an hour in the past: the task succeeded, the e-mail ended CANCELLED
     * unsent, and the sweep ended the invitation as expired.
     */
    @Test
    void anInvitationAppliedAfterTheExpiryItsJobWasSubmittedWithLastsTheJobsPeriodFromThen() {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(new TaskSpec(account, null, email, TaskAction.INVITE, AccountRole.ANALYST, "en-GB", EXPIRES)));
        jobs.submittedAgo(job.id(), Duration.ofHours(25), Duration.ofDays(1));

        publish(job);
        awaitFinished(job);

        assertThat(jobs.task(job.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        UUID invitee = directory.userIdByEmail(email).orElseThrow();
        var invitation = directory.membership(account, invitee).orElseThrow();
        assertThat(invitation.state()).isEqualTo(MembershipState.INVITED);
        assertThat(invitation.expiresAt())
                .as("a day after it was applied")
                .isEqualTo(invitation.invitedAt().plus(Duration.ofDays(1)))
                .isAfter(Instant.now().plus(Duration.ofHours(23)));
        ReceivedMail mail = awaitOneMailTo(email);
        String expiry = DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm", Locale.ENGLISH)
                .format(invitation.expiresAt().atZone(ZoneOffset.UTC));
        assertThat(mail.text()).contains("The invitation expires on " + expiry + " (UTC).");
        assertThat(accept(mail.token(), email).getStatusCode().value()).isEqualTo(200);
        assertThat(directory.membership(account, invitee).orElseThrow().state()).isEqualTo(MembershipState.ACTIVE);
    }

    @Test
    void aRedeliveredJobSendsNoSecondMail() {
        Portfolio portfolio = directory.portfolio(2);
        String email = directory.newEmail();
        SubmittedJob job = inviteToBoth(portfolio, email, AccountRole.ANALYST);
        publish(job);
        awaitFinished(job);
        awaitOneMailTo(email);

        publish(job);
        awaitRecordsHandledBefore(job);

        // A message the redelivery queued again would be pending now (the job has ended, so it is due):
        // once none is, any second message is in the SMTP server (it takes it before the mark commits).
        await().atMost(PATIENCE)
                .until(() -> jdbc.sql("SELECT count(*) FROM directory.invitation_mails"
                                        + " WHERE email = ? AND status = 'PENDING'")
                                .param(email)
                                .query(Long.class)
                                .single()
                        == 0);
        assertThat(TestSmtp.receivedBy(email)).as("messages to the invitee").hasSize(1);
    }

    /**
     * Each message is counted once, under the language of its templates: "de-CH" under "de", the
     * unknown "tlh" under "en". The counters are the JVM's, shared with every test of the context, and
     * registered at 0 at startup, so only a rise measured around this job says anything: other tests'
     * messages still due are let out first, so that none of them lands in the measurement.
     */
    @Test
    void theLanguageOfTheInvitationPicksTheTemplatesAndAnUnknownOneFallsBackToEnglish() {
        await().atMost(PATIENCE).until(() -> mailsOfFinishedJobsDueNow() == 0);
        Map<String, Double> sentBefore = sentByLanguage();
        Portfolio portfolio = directory.portfolio(1);
        String german = directory.newEmail();
        String french = directory.newEmail();
        String spanish = directory.newEmail();
        String unknown = directory.newEmail();
        UUID account = portfolio.ownedAccount(0).id();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        invite(account, german, "de-CH"),
                        invite(account, french, "fr"),
                        invite(account, spanish, "es"),
                        invite(account, unknown, "tlh")));
        publish(job);
        awaitFinished(job);

        assertThat(awaitOneMailTo(german).text()).contains("hat Sie", "Einladung annehmen", ": Support");
        assertThat(awaitOneMailTo(french).text()).contains("a invité aux comptes", "Accepter l'invitation");
        assertThat(awaitOneMailTo(spanish).text()).contains("le ha invitado", "Aceptar la invitación", ": Soporte");
        assertThat(awaitOneMailTo(unknown).subject()).contains("invited you to 1 account(s)");
        // Counted in the transaction that marks the message SENT: once all four are, all are counted.
        await().atMost(PATIENCE)
                .until(() -> List.of(german, french, spanish, unknown).stream()
                        .allMatch(email -> "SENT".equals(mailStatus(email))));
        Map<String, Double> sentAfter = sentByLanguage();
        for (String language : InvitationMailTemplates.LANGUAGES) {
            assertThat(sentAfter.get(language) - sentBefore.get(language))
                    .as("messages counted under %s", language)
                    .isEqualTo(1.0);
        }
        assertThat(meters.find("bulk.invitation.mails.sent")
                        .tag("language", "tlh")
                        .counter())
                .as("no series for a language without templates")
                .isNull();
        assertThat(meters.find("bulk.invitation.mails.sent")
                        .tag("language", "de-CH")
                        .counter())
                .as("no series for a regional variant")
                .isNull();
    }

    /**
     * A regional language picks the templates of its language and writes dates and numbers as its
     * region does: "en-GB" the day before the month and a 24-hour time, "de-CH" the Swiss grouping;
     * the subject counts the accounts as the body does.
     */
    @Test
    void aRegionalLanguageWritesTheExpiryAndTheAccountCountAsItsRegionDoes() {
        int invited = 1_001;
        Portfolio portfolio = directory.portfolio();
        List<UUID> accounts = portfolio.accounts(invited);
        // 14:30 UTC on a day a week away: a time the 12-hour clock writes "2:30 PM".
        Instant expires =
                EXPIRES.truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(14).plusMinutes(30));
        String british = directory.newEmail();
        String swiss = directory.newEmail();
        List<TaskSpec> tasks = new ArrayList<>();
        tasks.add(new TaskSpec(
                accounts.getFirst(), null, british, TaskAction.INVITE, AccountRole.SUPPORT, "en-GB", expires));
        for (UUID account : accounts) {
            tasks.add(new TaskSpec(account, null, swiss, TaskAction.INVITE, AccountRole.SUPPORT, "de-CH", expires));
        }
        SubmittedJob job = jobs.submit(portfolio.id(), JobType.INVITE_USERS, JobFixture.administrator(), tasks);
        publish(job);
        awaitFinished(job);

        ZonedDateTime expiry = expires.atZone(ZoneOffset.UTC);
        String day = expiry.getDayOfMonth() + " " + expiry.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH)
                + " " + expiry.getYear();
        ReceivedMail inBritish = awaitOneMailTo(british);
        assertThat(inBritish.text())
                .contains("The invitation expires on " + day + ", 14:30 (UTC).")
                .doesNotContain("PM");
        assertThat(inBritish.html()).contains("expires on <span>" + day + ", 14:30</span> (UTC)");

        ReceivedMail inSwiss = awaitOneMailTo(swiss);
        assertThat(inSwiss.subject()).contains("hat Sie zu 1’001 Konto/Konten von");
        assertThat(inSwiss.text())
                .contains("  … und 951 weitere (insgesamt 1’001 Konten)")
                .contains("Die Einladung läuft am " + expiry.getDayOfMonth() + ". "
                        + expiry.getMonth().getDisplayName(TextStyle.FULL, Locale.GERMAN) + " " + expiry.getYear()
                        + ", 14:30 (UTC) ab.");
    }

    /** The sent-message counter of each template language. */
    private Map<String, Double> sentByLanguage() {
        return InvitationMailTemplates.LANGUAGES.stream()
                .collect(Collectors.toMap(
                        language -> language,
                        language -> meters.get("bulk.invitation.mails.sent")
                                .tag("language", language)
                                .counter()
                                .count()));
    }

    /** Messages the sender would take now: pending, due, of a job no longer running. */
    private long mailsOfFinishedJobsDueNow() {
        return jdbc.sql("""
                        SELECT count(*) FROM directory.invitation_mails m
                         WHERE m.status = 'PENDING' AND m.next_attempt_at <= now()
                           AND NOT EXISTS (SELECT 1 FROM jobs.bulk_jobs j
                                            WHERE j.id = m.job_id AND j.status IN ('QUEUED', 'IN_PROGRESS'))
                        """).query(Long.class).single();
    }

    @Test
    void aMalformedAddressEndsFailedWithTheReasonOnItsTaskAndHoldsUpNoOne() {
        Portfolio portfolio = directory.portfolio(1);
        String malformed = "dot..dot." + UUID.randomUUID() + "@example.test";
        String fine = directory.newEmail();
        UUID account = portfolio.ownedAccount(0).id();
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(invite(account, malformed, "en"), invite(account, fine, "en")));
        publish(job);
        awaitFinished(job);

        awaitOneMailTo(fine);
        await().atMost(PATIENCE).until(() -> "FAILED".equals(mailStatus(malformed)));
        assertThat(jobs.task(job.taskId(0)).error()).startsWith("Invitation e-mail not delivered: ");
        assertThat(jobs.task(job.taskId(1)).error()).isNull();
    }

    /**
     * A removal whose batch began before the invitee accepted, and reached the membership after (it
     * waited for the account, which an unlink under way holds, say), removed an active member: the
     * account's activity log, newest first, lists the removal above the acceptance, so that it does not
     * read as if the invitee still had access.
     */
    @Test
    void aRemovalThatReachedTheMembershipAfterTheInviteeAcceptedIsLoggedAfterTheAcceptance() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        Invited invited = inviteAndSend(portfolio, account, email, AccountRole.MANAGER);
        SubmittedJob removal = jobs.submit(
                portfolio.id(),
                JobType.REMOVE_ACCESS,
                JobFixture.administrator(),
                List.of(TaskSpec.remove(account, invited.userId())));

        try (Connection unlink = holdingTransaction()) {
            lock(unlink, "SELECT 1 FROM directory.accounts WHERE id = ? FOR UPDATE", account);
            publish(removal);
            // The removal's transaction has begun (its task is locked) and waits for the account...
            LockWaits.awaitLockWait(dataSource, "FROM directory.accounts", PATIENCE);
            // ...while the invitee accepts.
            assertThat(accept(invited.token(), email).getStatusCode().value()).isEqualTo(200);
            unlink.rollback();
        }
        awaitFinished(removal);

        assertThat(jobs.task(removal.taskId(0)).status()).isEqualTo(TaskStatus.SUCCEEDED);
        assertThat(directory.membership(account, invited.userId())).isEmpty();
        AccountActivityEvent accepted = awaitEvent(account, ActivityAction.INVITATION_ACCEPTED);
        AccountActivityEvent removed = awaitEvent(account, ActivityAction.ACCESS_REMOVED);
        assertThat(removed.occurredAt())
                .as("the removal, made after the acceptance, is logged after it")
                .isAfter(accepted.occurredAt());
        assertThat(jobs.task(removal.taskId(0)).appliedAt())
                .as("the task's applied_at is its entry's time")
                .isEqualTo(removed.occurredAt());
    }

    /**
     * An acceptance that began before a job changed the invitation's role, and reached the invitation
     * after (it waited for the message, which a second click on its link holds, say), gave the new role:
     * the account's activity log lists the acceptance after the role change, as it happened. The role
     * change is under way first, waiting for the account (an unlink holds it, say), so that it goes
     * through within the acceptance's wait for the message.
     */
    @Test
    void anAcceptanceThatReachedTheInvitationAfterAJobChangedItsRoleIsLoggedAfterTheChange() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        Invited invited = inviteAndSend(portfolio, account, email, AccountRole.MANAGER);
        SubmittedJob roleChange = jobs.submit(
                portfolio.id(),
                JobType.UPDATE_ROLES,
                JobFixture.administrator(),
                List.of(TaskSpec.changeRole(account, invited.userId(), AccountRole.ANALYST)));

        CompletableFuture<ResponseEntity<String>> acceptance;
        try (Connection unlink = holdingTransaction();
                Connection secondClick = holdingTransaction()) {
            lock(unlink, "SELECT 1 FROM directory.accounts WHERE id = ? FOR UPDATE", account);
            publish(roleChange);
            // The role change's transaction has begun and waits for the account...
            LockWaits.awaitLockWait(dataSource, "FROM directory.accounts", PATIENCE);
            lock(secondClick, "SELECT 1 FROM directory.invitation_mails WHERE job_id = ? FOR UPDATE", invited.jobId());
            // (Each attempt waits at most 2 s for the message; the invitee tries again on the 503, and any
            // attempt that gets through reaches the invitation after the change.)
            acceptance = CompletableFuture.supplyAsync(() -> acceptTryingAgainWhileBusy(invited.token(), email));
            // ...the acceptance's transaction has begun and waits for the message...
            LockWaits.awaitLockWait(dataSource, "FROM directory.invitation_mails WHERE token_digest", PATIENCE);
            // ...while the job makes the invitation an Analyst's.
            unlink.rollback();
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> directory
                            .membership(account, invited.userId())
                            .orElseThrow()
                            .role()
                            .equals(AccountRole.ANALYST));
            secondClick.rollback();
        }

        ResponseEntity<String> accepted = acceptance.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        assertThat(accepted.getBody()).contains("\"role\":\"ANALYST\"");
        AccountActivityEvent changed = awaitEvent(account, ActivityAction.ROLE_CHANGED);
        AccountActivityEvent acceptedEntry = awaitEvent(account, ActivityAction.INVITATION_ACCEPTED);
        assertThat(acceptedEntry.occurredAt())
                .as("the acceptance, made after the role change, is logged after it")
                .isAfter(changed.occurredAt());
    }

    /**
     * The invitee clicks the link while their e-mail is being sent again (the sender holds its row for
     * the whole SMTP conversation, minutes with a slow server): the acceptance waits for the row only
     * briefly, then answers 503 with Retry-After, which the gateway turns into its "try again shortly",
     * and keeps no connection waiting behind the sender. Once the sender is done, the link accepts.
     * Before, the acceptance waited for the row as long as the sender held it, one more of the worker's
     * connections for every click.
     */
    @Test
    void anAcceptanceWhileItsEMailIsBeingSentAnswersTryAgainShortlyAndAcceptsOnceTheEMailIsSent() throws Exception {
        Portfolio portfolio = directory.portfolio(1);
        UUID account = portfolio.ownedAccount(0).id();
        String email = directory.newEmail();
        Invited invited = inviteAndSend(portfolio, account, email, AccountRole.MANAGER);

        try (Connection sender = holdingTransaction()) {
            lock(sender, "SELECT 1 FROM directory.invitation_mails WHERE job_id = ? FOR UPDATE", invited.jobId());
            ResponseEntity<String> busy = CompletableFuture.supplyAsync(() -> accept(invited.token(), email))
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            assertThat(busy.getStatusCode().value()).isEqualTo(503);
            assertThat(busy.getHeaders().getFirst("Retry-After")).isEqualTo("5");
            assertThat(busy.getBody()).contains("try again shortly");
            assertThat(LockWaits.anyIn(dataSource, "FROM directory.invitation_mails WHERE token_digest"))
                    .as("no acceptance waits for the message any more")
                    .isFalse();
            assertThat(jdbc.sql("""
                                    SELECT count(*) FROM pg_stat_activity
                                     WHERE state <> 'idle' AND pid <> pg_backend_pid()
                                       AND query LIKE '%invitation_mails WHERE token_digest%'
                                    """).query(Long.class).single())
                    .as("no connection is left in the acceptance's transaction")
                    .isZero();
            assertThat(directory
                            .membership(account, invited.userId())
                            .orElseThrow()
                            .state()
                            .name())
                    .isEqualTo("INVITED");
        }

        ResponseEntity<String> accepted = accept(invited.token(), email);
        assertThat(accepted.getStatusCode().value()).isEqualTo(200);
        assertThat(accepted.getBody()).contains("\"state\":\"ACTIVE\"");
        assertThat(directory
                        .membership(account, invited.userId())
                        .orElseThrow()
                        .state()
                        .name())
                .isEqualTo("ACTIVE");
    }

    /** An invitation in the given language. */
    private static TaskSpec invite(UUID account, String email, String language) {
        return new TaskSpec(account, null, email, TaskAction.INVITE, AccountRole.SUPPORT, language, EXPIRES);
    }

    /** A job inviting the address to the portfolio's two accounts, as an Analyst and as {@code second}. */
    private SubmittedJob inviteToBoth(Portfolio portfolio, String email, AccountRole second) {
        return jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(
                        TaskSpec.invite(portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES),
                        TaskSpec.invite(portfolio.ownedAccount(1).id(), null, email, second, EXPIRES)));
    }

    /** A job inviting each address to the portfolio's first account. */
    private SubmittedJob inviteEach(Portfolio portfolio, List<String> emails) {
        return jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                emails.stream()
                        .map(email -> TaskSpec.invite(
                                portfolio.ownedAccount(0).id(), null, email, AccountRole.ANALYST, EXPIRES))
                        .toList());
    }

    private long sentOf(SubmittedJob job) {
        return jdbc.sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ? AND status = 'SENT'")
                .param(job.id())
                .query(Long.class)
                .single();
    }

    private String mailStatus(String email) {
        return jdbc.sql("SELECT status FROM directory.invitation_mails WHERE email = ?")
                .param(email)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    /** Rows of the outbox and of the memberships with the token anywhere in them. */
    private long rowsHolding(String token) {
        return jdbc.sql("""
                        SELECT (SELECT count(*) FROM directory.invitation_mails m WHERE strpos(CAST(m AS text), :token) > 0)
                             + (SELECT count(*) FROM directory.memberships m WHERE strpos(CAST(m AS text), :token) > 0)
                        """).param("token", token).query(Long.class).single();
    }

    private static ReceivedMail awaitOneMailTo(String email) {
        await().atMost(PATIENCE).until(() -> !TestSmtp.receivedBy(email).isEmpty());
        assertThat(TestSmtp.receivedBy(email)).hasSize(1);
        return ReceivedMail.of(TestSmtp.receivedBy(email).getFirst());
    }

    private ResponseEntity<String> accept(String token, String email) {
        return InvitationAccepts.accept(port, token, email);
    }

    /** Accepts as an invitee does after "try again shortly": again for as long as the worker answers 503. */
    private ResponseEntity<String> acceptTryingAgainWhileBusy(String token, String email) {
        ResponseEntity<String> answer = accept(token, email);
        while (answer.getStatusCode().value() == 503) {
            answer = accept(token, email);
        }
        return answer;
    }

    /** An address invited to the account by a job, and the link of its sent message. */
    private record Invited(UUID jobId, UUID userId, String token) {}

    private Invited inviteAndSend(Portfolio portfolio, UUID account, String email, AccountRole role) {
        SubmittedJob job = jobs.submit(
                portfolio.id(),
                JobType.INVITE_USERS,
                JobFixture.administrator(),
                List.of(TaskSpec.invite(account, null, email, role, EXPIRES)));
        publish(job);
        awaitFinished(job);
        ReceivedMail mail = awaitOneMailTo(email);
        await().atMost(PATIENCE).until(() -> "SENT".equals(mailStatus(email)));
        return new Invited(job.id(), directory.userIdByEmail(email).orElseThrow(), mail.token());
    }

    /** A connection in a transaction that may wait for the worker longer than its idle-in-transaction timeout. */
    private Connection holdingTransaction() throws SQLException {
        Connection connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT set_config('idle_in_transaction_session_timeout', '60s', true)");
        }
        return connection;
    }

    private static void lock(Connection connection, String sql, UUID id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, id);
            statement.execute();
        }
    }

    /** The account's one activity event of the action, once published. */
    private AccountActivityEvent awaitEvent(UUID account, ActivityAction action) {
        await().atMost(PATIENCE)
                .until(() -> activityOfAccounts(List.of(account)).stream().anyMatch(event -> event.action() == action));
        List<AccountActivityEvent> events = activityOfAccounts(List.of(account)).stream()
                .filter(event -> event.action() == action)
                .toList();
        assertThat(events).hasSize(1);
        return events.getFirst();
    }
}
