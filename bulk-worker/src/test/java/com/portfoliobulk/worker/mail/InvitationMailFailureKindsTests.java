package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailSendException;

/** Which sending failures end an e-mail at once, and the back-off of the others. */
class InvitationMailFailureKindsTests {

    @Test
    void aRecipientTheServerRefusesOrAnUnusableAddressIsPermanent() throws Exception {
        Address refused = new InternetAddress("nobody@brand.example");
        SendFailedException rcptRefused = new SendFailedException(
                "550 5.1.1 mailbox unavailable", null, new Address[0], new Address[0], new Address[] {refused});

        assertThat(InvitationMailSender.isPermanent(
                        new MailSendException(Map.<Object, Exception>of("message", rcptRefused))))
                .isTrue();
        assertThat(InvitationMailSender.isPermanent(new AddressException("Local address contains dot-dot")))
                .isTrue();
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

    @Test
    void theBackoffDoublesUpToItsMaximum() {
        MailProperties properties = new MailProperties(
                "from@x.example",
                "http://x/{token}",
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                40,
                "d");

        assertThat(properties.backoffAfter(1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.backoffAfter(2)).isEqualTo(Duration.ofSeconds(10));
        assertThat(properties.backoffAfter(4)).isEqualTo(Duration.ofSeconds(40));
        assertThat(properties.backoffAfter(30)).isEqualTo(Duration.ofMinutes(5));
    }
}
