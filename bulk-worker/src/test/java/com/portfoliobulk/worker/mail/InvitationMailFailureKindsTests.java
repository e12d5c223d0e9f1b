package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchException;

import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;

/** Which sending failures end an e-mail at once, and the back-off of the others. */
class InvitationMailFailureKindsTests {

    @Test
    void aRecipientTheServerRefusesOrAnUnusableAddressIsPermanent() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient(
                        "nobody@brand.example",
                        "550 5.1.1 <nobody@brand.example>: Recipient address rejected: User unknown")) {
            Exception failure = sendThrough(smtp);

            assertThat(smtp.messages()).isEmpty();
            assertThat(InvitationMailSender.isPermanent(failure)).isTrue();
        }
        Address refused = new InternetAddress("nobody@brand.example");
        SendFailedException withoutReply = new SendFailedException(
                "Invalid Addresses", null, new Address[0], new Address[0], new Address[] {refused});
        assertThat(InvitationMailSender.isPermanent(
                        new MailSendException(Map.<Object, Exception>of("message", withoutReply))))
                .isTrue();
        assertThat(InvitationMailSender.isPermanent(new AddressException("Local address contains dot-dot")))
                .isTrue();
    }

    /**
     * A 5xx to the recipient that refuses the worker's settings (Postfix refuses a sender the worker
     * may not use, and relaying, at RCPT TO): the configuration, retried.
     */
    @Test
    void aRefusalOfTheWorkersSettingsAtTheRecipientIsRetried() throws Exception {
        for (String reply : List.of(
                "554 5.7.1 <nobody@brand.example>: Relay access denied",
                "553 5.7.1 <invitations@portfolio.example>: Sender address rejected: not owned by user worker")) {
            try (ScriptedSmtp smtp =
                    new ScriptedSmtp("250 2.0.0 queued as 1", true).refusingRecipient("nobody@brand.example", reply)) {
                Exception failure = sendThrough(smtp);

                assertThat(smtp.messages()).isEmpty();
                assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isFalse();
                assertThat(InvitationMailSender.isPermanent(failure)).as(reply).isFalse();
            }
        }
    }

    @Test
    void anUnreachableServerATemporaryRefusalOrBadCredentialsAreRetried() {
        MessagingException unreachable = new MessagingException("Couldn't connect to host", new ConnectException());
        SendFailedException temporary = new SendFailedException(
                "451 4.3.0 try again later", null, new Address[0], new Address[0], new Address[0]);

        assertThat(InvitationMailSender.isPermanent(
                        new MailSendException("Mail server connection failed", unreachable)))
                .isFalse();
        assertThat(InvitationMailSender.isPermanent(
                        new MailSendException(Map.<Object, Exception>of("message", temporary))))
                .isFalse();
        assertThat(InvitationMailSender.isPermanent(new MailAuthenticationException("535 authentication failed")))
                .isFalse();
    }

    /**
     * The server accepted the message (250 to its data) and then left QUIT unanswered: the message is
     * sent, and sending it again would deliver a copy.
     */
    @Test
    void aMessageTheServerAcceptedIsSentThoughEndingTheConnectionFailed() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", false)) {
            Exception failure = sendThrough(smtp);

            assertThat(smtp.messages()).hasSize(1);
            assertThat(failure).isInstanceOf(MailSendException.class);
            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isTrue();
        }
    }

    /** A 5xx to the message's data that refuses the recipient late is final; a 4xx is retried. */
    @Test
    void aPermanentRefusalOfTheMessageIsPermanentATemporaryOneIsNot() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("550 5.1.1 <nobody@brand.example>: no such user", true)) {
            Exception failure = sendThrough(smtp);

            assertThat(smtp.messages()).hasSize(1);
            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isFalse();
            assertThat(InvitationMailSender.isPermanent(failure)).isTrue();
        }
        try (ScriptedSmtp smtp = new ScriptedSmtp("451 4.3.0 try again later", true)) {
            Exception failure = sendThrough(smtp);

            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isFalse();
            assertThat(InvitationMailSender.isPermanent(failure)).isFalse();
        }
    }

    /** A 5xx to the data that refuses the worker's sender (Office 365's SendAsDenied) is retried. */
    @Test
    void aRefusalOfTheSenderAfterTheDataIsRetried() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp(
                "554 5.2.252 SendAsDenied; worker@portfolio.example not allowed to send as"
                        + " invitations@portfolio.example",
                true)) {
            Exception failure = sendThrough(smtp);

            assertThat(smtp.messages()).hasSize(1);
            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isFalse();
            assertThat(InvitationMailSender.isPermanent(failure)).isFalse();
        }
    }

    /**
     * Greylisting at RCPT TO, as Jakarta Mail reports it, refuses the invitee's address alone, for
     * now: the poll goes on. A 421 there, a refusal of the data, and an unreachable server hold for the
     * next e-mail too.
     */
    @Test
    void onlyATemporaryRefusalOfTheRecipientLetsThePollGoOn() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient(
                        "nobody@brand.example",
                        "450 4.7.1 <nobody@brand.example>: Recipient address rejected: greylisted")) {
            Exception failure = sendThrough(smtp);

            assertThat(InvitationMailSender.isPermanent(failure)).isFalse();
            assertThat(InvitationMailSender.refusesOnlyTheInviteeForNow(failure))
                    .isTrue();
        }
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .refusingRecipient("nobody@brand.example", "421 4.3.2 Service shutting down, closing channel")) {
            assertThat(InvitationMailSender.refusesOnlyTheInviteeForNow(sendThrough(smtp)))
                    .isFalse();
        }
        try (ScriptedSmtp smtp = new ScriptedSmtp("451 4.3.0 try again later", true)) {
            assertThat(InvitationMailSender.refusesOnlyTheInviteeForNow(sendThrough(smtp)))
                    .isFalse();
        }
        MessagingException unreachable = new MessagingException("Couldn't connect to host", new ConnectException());
        assertThat(InvitationMailSender.refusesOnlyTheInviteeForNow(
                        new MailSendException("Mail server connection failed", unreachable)))
                .isFalse();
        assertThat(InvitationMailSender.refusesOnlyTheInviteeForNow(
                        new MailAuthenticationException("454 4.7.0 Temporary authentication failure")))
                .isFalse();
    }

    /** Sends one message with Spring's JavaMail sender, as the worker does; answers what it threw. */
    private static Exception sendThrough(ScriptedSmtp smtp) throws Exception {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("127.0.0.1");
        sender.setPort(smtp.port());
        Properties timeouts = new Properties();
        timeouts.setProperty("mail.smtp.connectiontimeout", "2000");
        timeouts.setProperty("mail.smtp.timeout", "1000");
        sender.setJavaMailProperties(timeouts);
        MimeMessage message = sender.createMimeMessage();
        MimeMessageHelper helper = new MimeMessageHelper(message, false, "UTF-8");
        helper.setFrom("invitations@portfolio.example");
        helper.setTo("nobody@brand.example");
        helper.setSubject("You are invited");
        helper.setText("Accept the invitation.");
        Exception failure = catchException(() -> sender.send(message));
        assertThat(failure).as("the send failed").isNotNull();
        return failure;
    }

    @Test
    void theBackoffDoublesUpToItsMaximum() {
        MailProperties properties = new MailProperties(
                "from@x.example",
                "http://x/{token}",
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                40,
                "d",
                Duration.ofMinutes(10),
                "true",
                "false");

        assertThat(properties.backoffAfter(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.backoffAfter(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.backoffAfter(4)).isEqualTo(Duration.ofSeconds(40));
        assertThat(properties.backoffAfter(30)).isEqualTo(Duration.ofMinutes(5));
    }
}
