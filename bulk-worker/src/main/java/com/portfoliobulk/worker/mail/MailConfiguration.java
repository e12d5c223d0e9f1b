package com.portfoliobulk.worker.mail;

import java.util.Properties;
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
                    DataReplyTimeoutTransport.install(sender, mail.dataReplyTimeout());
                }
                return bean;
            }
        };
    }
}
