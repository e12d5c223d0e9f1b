package com.portfoliobulk.worker.mail;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Invitation e-mails are sent by a scheduled poll of their outbox ({@link InvitationMailSender});
 * expired invitations are ended by a scheduled sweep.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class MailConfiguration {}
