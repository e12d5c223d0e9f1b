package com.portfoliobulk.worker.apply;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How many invitation e-mails of one portfolio the worker queues to one invitee in 24 hours
 * ({@code bulk.worker.invitation.*}). An invitation or a resend that would queue one more is skipped
 * {@code MAIL_LIMIT_REACHED} and changes nothing, so that an administrator who resends (or removes and
 * invites again) in a loop cannot flood an address with genuine e-mails; a job's one e-mail to an
 * invitee names all the job's invitations, so its other tasks for that invitee are never skipped so.
 *
 * @param maxMailsPerDay the most e-mails of a portfolio queued to one invitee in any 24 hours
 */
@ConfigurationProperties("bulk.worker.invitation")
public record InvitationMailLimit(@DefaultValue("10") int maxMailsPerDay) {

    public InvitationMailLimit {
        if (maxMailsPerDay < 1) {
            throw new IllegalArgumentException("bulk.worker.invitation.max-mails-per-day must be at least 1");
        }
    }
}
