package com.portfoliobulk.worker.mail;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whose an SMTP server's permanent refusal (a 5xx reply) of an invitation e-mail's recipient or of
 * its data is: the invitee's, whose address no later attempt can change, or the worker's settings' or
 * the mail system's, which hold for every e-mail until they are fixed and are then gone.
 *
 * <p>A server does not always refuse a wrong setting at the command it concerns: Postfix (with its
 * default {@code smtpd_delay_reject=yes}) refuses the sender, the client and relaying at {@code RCPT
 * TO} ({@code 554 5.7.1 <ann@x>: Relay access denied}, {@code 553 5.7.1 <from@z>: Sender address
 * rejected: not owned by user}), and Office 365 refuses sending as another address after the data
 * ({@code 554 5.2.252 SendAsDenied}). The reply code alone does not tell them from an unknown
 * invitee; the enhanced status code (RFC 3463) in front of the reply's text does, when the reply has
 * one:
 *
 * <ul>
 *   <li>the invitee's: {@code 5.1.1} bad mailbox, {@code 5.1.2} bad domain, {@code 5.1.3} bad address
 *       syntax, {@code 5.1.4} ambiguous address, {@code 5.1.6} mailbox moved, {@code 5.1.10} the domain
 *       takes no mail (null MX), {@code 5.2.1} mailbox disabled;
 *   <li>every other one is retried: {@code 5.1.0}, {@code 5.1.7} and {@code 5.1.8} concern the sender
 *       as often as not (Postfix's {@code 550 5.1.0 <from>: Sender address rejected}); {@code 5.2.2}
 *       mailbox full is a persistent transient failure by RFC 3463 (the invitee makes room); {@code
 *       5.3.x} mail system, {@code 5.4.x} network and routing, {@code 5.5.x} protocol, {@code 5.6.x}
 *       content and {@code 5.7.x} security and policy (relay denied, sender not permitted, sign-in
 *       required) are the settings' or the system's.
 * </ul>
 *
 * <p>A reply without an enhanced status code is the invitee's for the codes RFC 5321 and RFC 7504 give
 * a refused mailbox: {@code 550} mailbox unavailable, {@code 551} user not local, {@code 553} mailbox
 * name not allowed, {@code 556} domain does not accept mail. Other 5xx codes ({@code 554} transaction
 * failed, {@code 552} storage exceeded, {@code 530} sign-in required, {@code 500} to {@code 504}
 * syntax and sequence) are retried. A retried refusal that persists ends the e-mail {@code FAILED} when
 * its attempts are used up, with the server's reply.
 *
 * <p>Of the retried refusals, those of the invitee's address alone, for now ({@link
 * #refusesOnlyTheInviteeForNow}: greylisting, a full mailbox), let the sender go on with the next
 * e-mail; the others hold for every e-mail, and end its poll.
 */
final class SmtpRefusals {

    /** The reply code, a space or hyphen, and the enhanced status code (class.subject.detail). */
    private static final Pattern ENHANCED_STATUS = Pattern.compile("\\d{3}[ -]([245])\\.(\\d{1,3})\\.(\\d{1,3})\\b");

    /** The enhanced status codes (subject.detail, of class 5) that refuse the invitee's address. */
    private static final Set<String> INVITEES_STATUSES = Set.of("1.1", "1.2", "1.3", "1.4", "1.6", "1.10", "2.1");

    /** The reply codes that refuse the invitee's address, in a reply without an enhanced status code. */
    private static final Set<Integer> INVITEES_REPLY_CODES = Set.of(550, 551, 553, 556);

    /**
     * The enhanced status codes (subject.detail) of a refusal at {@code RCPT TO} that may be the
     * sender's: {@code x.1.0}, {@code x.1.7}, {@code x.1.8}.
     */
    private static final Set<String> SENDERS_STATUSES = Set.of("1.0", "1.7", "1.8");

    /**
     * The subjects of the enhanced status codes that are the mail system's, the network's, the
     * protocol's or the content's ({@code x.3.x} to {@code x.6.x}): they hold for every e-mail.
     */
    private static final Set<String> SYSTEMS_SUBJECTS = Set.of("3", "4", "5", "6");

    private SmtpRefusals() {}

    /**
     * Whether the reply (its code, and its whole text as the server sent it, code first) to {@code RCPT
     * TO} or to a message's data refuses the invitee's address for good.
     */
    static boolean refusesTheInvitee(int replyCode, String reply) {
        if (replyCode < 500 || replyCode > 599) {
            return false;
        }
        String status = enhancedStatus(replyCode, reply);
        return status != null ? INVITEES_STATUSES.contains(status) : INVITEES_REPLY_CODES.contains(replyCode);
    }

    /**
     * Whether a reply to {@code RCPT TO} that is not {@link #refusesTheInvitee final} refuses the
     * invitee's address alone, for now, so that the next e-mail, to another address, is not refused
     * with it: a temporary refusal (a 4xx: greylisting, {@code 450 4.7.1}; a full mailbox, {@code 452
     * 4.2.2}), or a full mailbox refused as permanent ({@code 552 5.2.2}, which the invitee can clear).
     * Not {@code 421}, the server closing the connection, nor a 4xx whose enhanced status code may be
     * the sender's ({@code 4.1.0}, {@code 4.1.7}, {@code 4.1.8}: Postfix refuses the sender at {@code
     * RCPT TO}) or is the mail system's, the network's, the protocol's or the content's ({@code 4.3.x} to
     * {@code 4.6.x}): those hold for every e-mail.
     */
    static boolean refusesOnlyTheInviteeForNow(int replyCode, String reply) {
        String status = enhancedStatus(replyCode, reply);
        if (replyCode >= 400 && replyCode <= 499 && replyCode != 421) {
            return status == null
                    || !(SENDERS_STATUSES.contains(status)
                            || SYSTEMS_SUBJECTS.contains(status.substring(0, status.indexOf('.'))));
        }
        return replyCode >= 500 && replyCode <= 599 && "2.2".equals(status);
    }

    /**
     * The subject and detail of the reply's enhanced status code ({@code 1.1} of {@code 550 5.1.1}), or
     * null when the reply has none. The enhanced code's class is the reply's (RFC 3463); one that is not
     * is ignored.
     */
    private static String enhancedStatus(int replyCode, String reply) {
        Matcher enhanced = ENHANCED_STATUS.matcher(reply == null ? "" : reply.strip());
        if (enhanced.lookingAt() && enhanced.group(1).equals(Integer.toString(replyCode / 100))) {
            return Integer.parseInt(enhanced.group(2)) + "." + Integer.parseInt(enhanced.group(3));
        }
        return null;
    }
}
