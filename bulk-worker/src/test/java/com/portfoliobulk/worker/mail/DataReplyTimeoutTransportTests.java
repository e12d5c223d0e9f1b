package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchException;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;

/**
 * The worker's SMTP transport waits for the server's reply to the end of a message's data (its
 * acceptance of the message) for up to the data-reply timeout, and for every other reply for the read
 * timeout only: in the clear, over STARTTLS, with implicit TLS ({@code smtps}), and signed in. The
 * senders here have the worker's kinds of timeouts, shortened: 1 s to read or write, 10 s for the
 * reply to the end of data; they set them as the worker does, under {@code mail.smtp.*} only.
 */
class DataReplyTimeoutTransportTests {

    private static final Duration DATA_REPLY_TIMEOUT = Duration.ofSeconds(10);

    /** Longer than the read timeout, well within the data-reply timeout. */
    private static final Duration SLOW_ACCEPTANCE = Duration.ofSeconds(2);

    @Test
    void aServerThatTakesLongerThanTheReadTimeoutToAcceptTheMessageIsWaitedFor() throws Exception {
        try (ScriptedSmtp smtp =
                new ScriptedSmtp("250 2.0.0 queued as 1", true).delayingReplyTo(".", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = sender(smtp, DATA_REPLY_TIMEOUT);

            sender.send(message(sender));

            assertThat(smtp.messages()).hasSize(1);
            assertThat(smtp.commands()).contains("QUIT");
        }
    }

    /** The TLS layer reads through the plain socket whose timeout the transport raises. */
    @Test
    void overStartTlsAndSignedInTheServerIsWaitedForToo() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .keepingStartTls()
                .acceptingAnySignIn()
                .delayingReplyTo(".", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = sender(
                    smtp,
                    DATA_REPLY_TIMEOUT,
                    Map.of(
                            "mail.smtp.starttls.enable", "true",
                            "mail.smtp.starttls.required", "true",
                            "mail.smtp.ssl.trust", "*",
                            "mail.smtp.ssl.checkserveridentity", "false"));
            sender.setUsername("invitations");
            sender.setPassword("secret");

            sender.send(message(sender));

            assertThat(smtp.commands()).contains("STARTTLS");
            assertThat(smtp.commands()).anyMatch(command -> command.startsWith("AUTH PLAIN"));
            assertThat(smtp.commands().indexOf("STARTTLS"))
                    .as("signed in over TLS")
                    .isLessThan(indexOfFirst(smtp, "AUTH"));
            assertThat(smtp.messages()).hasSize(1);
        }
    }

    /**
     * With implicit TLS a server that takes the connection and then says nothing, not even its part of
     * the TLS handshake, is given up on at the read timeout, as any other silent reply is. The timeouts
     * of {@code mail.smtp.*} did not hold for {@code smtps}, whose settings Angus Mail reads under
     * {@code mail.smtps.*}: the sender waited for ever.
     */
    @Test
    void overImplicitTlsAServerThatNeverAnswersIsGivenUpOnAtTheReadTimeout() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true).answeringNothing()) {
            JavaMailSenderImpl sender = implicitTlsSender(smtp, DATA_REPLY_TIMEOUT);

            Exception failure = assertTimeoutPreemptively(
                    Duration.ofSeconds(30), () -> catchException(() -> sender.send(message(sender))));

            assertThat(failure).isInstanceOf(MailSendException.class);
            assertThat(InvitationMailSender.isPermanent(failure)).as("retried").isFalse();
            assertThat(smtp.connections()).isEqualTo(1);
        }
    }

    /** With implicit TLS too, the acceptance is waited for and every other reply has the read timeout. */
    @Test
    void overImplicitTlsTheAcceptanceIsWaitedForAndEveryOtherReplyKeepsTheReadTimeout() throws Exception {
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .speakingTlsAtOnce()
                .delayingReplyTo(".", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = implicitTlsSender(smtp, DATA_REPLY_TIMEOUT);

            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> sender.send(message(sender)));

            assertThat(smtp.messages()).hasSize(1);
            assertThat(smtp.commands()).contains("QUIT");
        }
        try (ScriptedSmtp smtp = new ScriptedSmtp("250 2.0.0 queued as 1", true)
                .speakingTlsAtOnce()
                .delayingReplyTo("MAIL", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = implicitTlsSender(smtp, DATA_REPLY_TIMEOUT);

            Exception failure = assertTimeoutPreemptively(
                    Duration.ofSeconds(30), () -> catchException(() -> sender.send(message(sender))));

            assertThat(failure).isInstanceOf(MailSendException.class);
            assertThat(smtp.commands()).anyMatch(command -> command.startsWith("MAIL"));
            assertThat(smtp.messages()).isEmpty();
        }
    }

    @Test
    void everyOtherReplyKeepsTheReadTimeout() throws Exception {
        try (ScriptedSmtp smtp =
                new ScriptedSmtp("250 2.0.0 queued as 1", true).delayingReplyTo("MAIL", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = sender(smtp, DATA_REPLY_TIMEOUT);

            Exception failure = catchException(() -> sender.send(message(sender)));

            assertThat(failure).isInstanceOf(MailSendException.class);
            assertThat(smtp.messages()).isEmpty();
        }
        // After the slow acceptance, QUIT goes unanswered: the read timeout ends the wait again.
        try (ScriptedSmtp smtp =
                new ScriptedSmtp("250 2.0.0 queued as 1", false).delayingReplyTo(".", SLOW_ACCEPTANCE)) {
            JavaMailSenderImpl sender = sender(smtp, DATA_REPLY_TIMEOUT);
            long start = System.nanoTime();

            Exception failure = catchException(() -> sender.send(message(sender)));

            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(DATA_REPLY_TIMEOUT);
        }
    }

    @Test
    void theDataReplyTimeoutBoundsTheWaitForTheAcceptance() throws Exception {
        try (ScriptedSmtp smtp =
                new ScriptedSmtp("250 2.0.0 queued as 1", true).delayingReplyTo(".", Duration.ofSeconds(6))) {
            JavaMailSenderImpl sender = sender(smtp, Duration.ofSeconds(2));
            long start = System.nanoTime();

            Exception failure = catchException(() -> sender.send(message(sender)));

            assertThat(failure).isInstanceOf(MailSendException.class);
            assertThat(InvitationMailSender.acceptedBeforeFailing(failure)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        }
    }

    private static JavaMailSenderImpl sender(ScriptedSmtp smtp, Duration dataReplyTimeout) {
        return sender(smtp, dataReplyTimeout, Map.of());
    }

    /** A sender with implicit TLS ({@code spring.mail.protocol=smtps}) that trusts the test certificate. */
    private static JavaMailSenderImpl implicitTlsSender(ScriptedSmtp smtp, Duration dataReplyTimeout) {
        JavaMailSenderImpl sender = sender(
                smtp,
                dataReplyTimeout,
                Map.of("mail.smtps.ssl.trust", "*", "mail.smtps.ssl.checkserveridentity", "false"));
        sender.setProtocol("smtps");
        return sender;
    }

    /** Spring's JavaMail sender with the worker's transport, timeouts of the worker's kinds, and {@code settings}. */
    private static JavaMailSenderImpl sender(
            ScriptedSmtp smtp, Duration dataReplyTimeout, Map<String, String> settings) {
        JavaMailSenderImpl sender = new JavaMailSenderImpl();
        sender.setHost("127.0.0.1");
        sender.setPort(smtp.port());
        Properties properties = new Properties();
        properties.setProperty("mail.smtp.connectiontimeout", "2000");
        properties.setProperty("mail.smtp.timeout", "1000");
        properties.setProperty("mail.smtp.writetimeout", "1000");
        properties.putAll(settings);
        sender.setJavaMailProperties(properties);
        DataReplyTimeoutTransport.install(sender, dataReplyTimeout);
        return sender;
    }

    private static MimeMessage message(JavaMailSenderImpl sender) throws Exception {
        MimeMessage message = sender.createMimeMessage();
        MimeMessageHelper helper = new MimeMessageHelper(message, false, "UTF-8");
        helper.setFrom("invitations@portfolio.example");
        helper.setTo("nobody@brand.example");
        helper.setSubject("You are invited");
        helper.setText("Accept the invitation.");
        return message;
    }

    private static int indexOfFirst(ScriptedSmtp smtp, String command) {
        for (int i = 0; i < smtp.commands().size(); i++) {
            if (smtp.commands().get(i).startsWith(command)) {
                return i;
            }
        }
        return -1;
    }
}
