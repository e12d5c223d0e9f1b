package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worker does not start with a sender or an accept link every invitation would fail with: a
 * malformed {@code From} made each message fail for good on its first attempt, and a public URL
 * ending with a slash sent every invitee to a refused page.
 */
class MailPropertiesTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "no-reply@brand.example",
                "Portfolio Bulk Access <no-reply@brand.example>",
                "\"Bulk, Access\" <no-reply@brand.example>"
            })
    void aSenderOfOneAddressIsKept(String from) {
        assertThat(properties(from, "https://bulk.example/invitations/{token}").from())
                .isEqualTo(from);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "no-reply",
                "Portfolio Bulk Access <no-reply@brand.example",
                "a@brand.example, b@brand.example",
                "no reply@brand.example"
            })
    void aSenderThatIsNotOneAddressIsRefused(String from) {
        assertThatThrownBy(() -> properties(from, "https://bulk.example/invitations/{token}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.mail.from must be one e-mail address")
                .hasMessageContaining("'" + from + "'");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://localhost:8080/invitations/{token}",
                "https://bulk.example/invitations/{token}",
                "https://bulk.example/access/invitations/{token}?from=mail"
            })
    void anAbsoluteAcceptLinkIsKept(String acceptUrl) {
        assertThat(properties("no-reply@brand.example", acceptUrl).acceptUrl()).isEqualTo(acceptUrl);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://bulk.example//invitations/{token}",
                "/invitations/{token}",
                "ftp://bulk.example/invitations/{token}",
                "https://bulk.example/invitations/",
                "https://bulk example/invitations/{token}"
            })
    void anAcceptLinkInvitationsCouldNotFollowIsRefused(String acceptUrl) {
        assertThatThrownBy(() -> properties("no-reply@brand.example", acceptUrl))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.mail.accept-url ")
                .hasMessageEndingWith(": " + acceptUrl);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PT0S", "PT-1S", "PT1H1S"})
    void aDataReplyTimeoutThatIsNotPositiveOrLongerThanAnHourIsRefused(String timeout) {
        assertThatThrownBy(() -> new MailProperties(
                        "no-reply@brand.example",
                        "https://bulk.example/invitations/{token}",
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5),
                        Duration.ofMinutes(5),
                        40,
                        "portfolio-bulk-access",
                        Duration.parse(timeout)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.mail.data-reply-timeout must be positive");
    }

    private static MailProperties properties(String from, String acceptUrl) {
        return new MailProperties(
                from,
                acceptUrl,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                40,
                "portfolio-bulk-access",
                Duration.ofMinutes(10));
    }
}
