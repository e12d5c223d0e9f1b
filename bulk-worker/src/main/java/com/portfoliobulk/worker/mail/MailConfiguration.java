package com.portfoliobulk.worker.mail;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Invitation e-mails are sent by a scheduled poll of their outbox ({@link InvitationMailSender});
 * expired invitations are ended by a scheduled sweep.
 *
 * <p>A poll may wait minutes for an SMTP server that is slow to accept a message (the data-reply
 * timeout, 10 min). The worker's other scheduled passes (the activity log's accepted invitations and
 * account link changes, the expiry sweep) do not wait for it: scheduled tasks run on a pool of threads
 * of their own (service-support's {@code ScheduledTasksAutoConfiguration}, 8 threads), not on the one
 * thread Spring Boot's scheduler runs every fixed-delay task on when virtual threads are on.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class MailConfiguration {

    private static final Logger log = LoggerFactory.getLogger(MailConfiguration.class);

    /**
     * Spring Boot's mail sender ({@code spring.mail.*}), sending with the worker's SMTP transport: it
     * waits {@code bulk.worker.mail.data-reply-timeout} for the server's acceptance of a message
     * ({@link DataReplyTimeoutTransport}), and upgrading to TLS as {@code bulk.worker.mail.starttls}
     * and {@code bulk.worker.mail.starttls-required} say (checked to be {@code true} or {@code false}).
     */
    @Bean
    static BeanPostProcessor mailSenderDataReplyTimeout(ObjectProvider<MailProperties> properties) {
        return new BeanPostProcessor() {

            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof JavaMailSenderImpl sender) {
                    MailProperties mail = properties.getObject();
                    Properties settings = sender.getJavaMailProperties();
                    settings.setProperty("mail.smtp.starttls.enable", String.valueOf(mail.upgradesToTls()));
                    settings.setProperty("mail.smtp.starttls.required", String.valueOf(mail.requiresTls()));
                    checkTls(sender, mail);
                    DataReplyTimeoutTransport.install(sender, mail.dataReplyTimeout());
                }
                return bean;
            }
        };
    }

    /**
     * Credentials go only over TLS: implicit ({@code spring.mail.protocol=smtps}) or STARTTLS required.
     * With STARTTLS merely offered, a man in the middle that strips the server's offer received the SMTP
     * login and every invitation link in the clear, and nothing told of it. Without credentials, mail
     * that may go out in the clear is said once at start.
     */
    static void checkTls(JavaMailSenderImpl sender, MailProperties mail) {
        boolean implicitTls = "smtps".equalsIgnoreCase(sender.getProtocol());
        if (implicitTls || mail.requiresTls()) {
            return;
        }
        boolean credentials =
                sender.getUsername() != null && !sender.getUsername().isBlank()
                        || sender.getPassword() != null && !sender.getPassword().isBlank();
        if (credentials) {
            throw new InvalidSettingException(
                    "BULK_SMTP_STARTTLS_REQUIRED",
                    "BULK_SMTP_STARTTLS_REQUIRED (bulk.worker.mail.starttls-required) is false while SMTP"
                            + " credentials are set (BULK_SMTP_USERNAME, BULK_SMTP_PASSWORD): anyone between the"
                            + " worker and " + sender.getHost() + " who removes the server's STARTTLS offer would"
                            + " receive the SMTP login and every invitation link in the clear",
                    "Set BULK_SMTP_STARTTLS_REQUIRED=true, or spring.mail.protocol=smtps for implicit TLS.");
        }
        log.warn(
                "Invitation e-mails to {}:{} may go out without TLS ({}): their links open accounts; set"
                        + " BULK_SMTP_STARTTLS_REQUIRED=true, or spring.mail.protocol=smtps",
                sender.getHost(),
                sender.getPort(),
                mail.upgradesToTls() ? "STARTTLS is used only when the server offers it" : "STARTTLS is off");
    }
}
