package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.worker.fixtures.ScriptedSmtp;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.mail.autoconfigure.MailSenderAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;

/**
 * The worker does not start with a sender or an accept link every invitation would fail with: a
 * malformed {@code From} made each message fail for good on its first attempt, and a public URL
 * ending with a slash sent every invitee to a refused page. Nor with a STARTTLS switch that is not
 * {@code true} or {@code false}.
 */
class MailPropertiesTests {

    /** Unset, the right side of the Message-ID is the sender's domain, as it is configured otherwise. */
    @Test
    void theMessageIdDomainIsTheSendersDomainUnlessConfigured() {
        MailProperties unset = new MailProperties(
                "Brand Access <no-reply@brand.example>",
                "https://bulk.example/invitations/{token}",
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                40,
                null,
                Duration.ofMinutes(10),
                "true",
                "false");

        assertThat(unset.messageIdDomain()).isEqualTo("brand.example");
        assertThat(properties("no-reply@brand.example", "https://bulk.example/invitations/{token}")
                        .messageIdDomain())
                .isEqualTo("portfolio-bulk-access");
    }

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
                        Duration.parse(timeout),
                        "true",
                        "false"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.mail.data-reply-timeout must be positive");
    }

    /**
     * {@code BULK_SMTP_STARTTLS_REQUIRED=yes}, as an operator may write it: the mail library read any
     * value but {@code true} as false, and the worker sent the SMTP credentials and every invitation
     * link in the clear to a server that did not offer {@code STARTTLS}. Now the worker does not start,
     * and says which variable and what it takes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"yes", "1", "on"})
    void aStartTlsSwitchThatIsNotTrueOrFalseStopsTheWorker(String value) {
        worker("BULK_SMTP_STARTTLS_REQUIRED", value)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("BULK_SMTP_STARTTLS_REQUIRED (bulk.worker.mail.starttls-required) must be true or"
                                + " false, not '" + value + "'"));
        worker("BULK_SMTP_STARTTLS", value)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith(
                                "BULK_SMTP_STARTTLS (bulk.worker.mail.starttls) must be true or false"));
    }

    /**
     * {@code BULK_SMTP_STARTTLS_REQUIRED=true}: the worker's mail sender gives a server that does not
     * offer {@code STARTTLS} nothing, not even the sender's address; with {@code false} the same server
     * gets the message.
     */
    @Test
    void startTlsRequiredTrueSendsNothingToAServerWithoutStartTls() {
        worker("BULK_SMTP_STARTTLS_REQUIRED", "true").run(context -> {
            try (ScriptedSmtp smtp = new ScriptedSmtp("250 OK", true, false)) {
                JavaMailSenderImpl sender = (JavaMailSenderImpl) context.getBean(JavaMailSender.class);
                sender.setPort(smtp.port());

                assertThatThrownBy(() -> sender.send(invitation(sender))).isInstanceOf(MailException.class);
                assertThat(smtp.commands())
                        .noneMatch(command -> command.toUpperCase(Locale.ROOT).startsWith("MAIL"));
                assertThat(smtp.messages()).isEmpty();
            }
        });
        worker("BULK_SMTP_STARTTLS_REQUIRED", "false").run(context -> {
            try (ScriptedSmtp smtp = new ScriptedSmtp("250 OK", true, false)) {
                JavaMailSenderImpl sender = (JavaMailSenderImpl) context.getBean(JavaMailSender.class);
                sender.setPort(smtp.port());

                sender.send(invitation(sender));
                assertThat(smtp.messages()).hasSize(1);
            }
        });
    }

    /**
     * SMTP credentials with STARTTLS merely used when offered ({@code BULK_SMTP_STARTTLS_REQUIRED}
     * false, its default): before, the worker started, and a man in the middle that removed the server's
     * STARTTLS offer received the login and every invitation link in the clear. Now the worker does not
     * start, naming the variable; with STARTTLS required, or implicit TLS (smtps), it starts.
     */
    @Test
    void credentialsWithoutRequiredTlsStopTheWorkerNamingTheVariable() {
        Map<String, String> credentials = Map.of("BULK_SMTP_USERNAME", "invitations", "BULK_SMTP_PASSWORD", "secret");

        worker(credentials)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith("BULK_SMTP_STARTTLS_REQUIRED (bulk.worker.mail.starttls-required) is"
                                + " false while SMTP credentials are set"));
        Map<String, String> required = new HashMap<>(credentials);
        required.put("BULK_SMTP_STARTTLS_REQUIRED", "true");
        worker(required).run(context -> assertThat(context).hasNotFailed());
        Map<String, String> smtps = new HashMap<>(credentials);
        smtps.put("spring.mail.protocol", "smtps");
        worker(smtps).run(context -> assertThat(context).hasNotFailed());
        worker(Map.of()).run(context -> assertThat(context).hasNotFailed());
    }

    /**
     * The worker's mail settings as it starts with them: its {@code bulk-worker.yml}, one environment
     * variable set, Spring Boot's mail sender and the worker's mail configuration.
     */
    private static ApplicationContextRunner worker(String variable, String value) {
        return worker(Map.of(variable, value));
    }

    private static ApplicationContextRunner worker(Map<String, String> variables) {
        Map<String, Object> environment = new HashMap<>(variables);
        environment.putIfAbsent("BULK_SMTP_HOST", "127.0.0.1");
        return new ApplicationContextRunner()
                .withInitializer(context -> {
                    MutablePropertySources sources = context.getEnvironment().getPropertySources();
                    try {
                        new YamlPropertySourceLoader()
                                .load("bulk-worker.yml", new ClassPathResource("bulk-worker.yml"))
                                .forEach(sources::addLast);
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                    sources.addFirst(new MapPropertySource("environment", environment));
                })
                .withConfiguration(AutoConfigurations.of(MailSenderAutoConfiguration.class))
                .withUserConfiguration(WorkerMail.class);
    }

    private static MimeMessage invitation(JavaMailSenderImpl sender) throws MessagingException {
        MimeMessage message = sender.createMimeMessage();
        new MimeMessageHelper(message).setTo("invitee@brand.example");
        message.setFrom("no-reply@brand.example");
        message.setText("Accept the invitation: https://bulk.example/invitations/secret-token");
        return message;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(MailProperties.class)
    @Import(MailConfiguration.class)
    static class WorkerMail {}

    private static MailProperties properties(String from, String acceptUrl) {
        return new MailProperties(
                from,
                acceptUrl,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                40,
                "portfolio-bulk-access",
                Duration.ofMinutes(10),
                "true",
                "false");
    }
}
