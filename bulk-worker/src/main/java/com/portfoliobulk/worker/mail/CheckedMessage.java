package com.portfoliobulk.worker.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * A message whose sending is decided once more right before it is handed to the SMTP server: the
 * worker's transport ({@link DataReplyTimeoutTransport}) runs its {@link Check} once the connection is
 * made (greeting, {@code EHLO}, TLS, signing in), before it sends the message's envelope ({@code MAIL
 * FROM}); a check that fails ({@link Withdrawn}) keeps the message from going out. What the message was
 * written from may change while the connection is made, which can take seconds.
 */
final class CheckedMessage extends MimeMessage {

    private final Check check;

    /** A message of the session's, with {@code check} for its last word. */
    CheckedMessage(Session session, Check check) {
        super(session);
        this.check = check;
    }

    /**
     * Runs the check.
     *
     * @throws Withdrawn when the message must not be sent as it is
     */
    void lastCheck() throws MessagingException {
        check.run();
    }

    /** Whether the message may still be sent: returns when it may, throws {@link Withdrawn} when not. */
    @FunctionalInterface
    interface Check {

        void run() throws MessagingException;
    }

    /** The message must not be sent as it is: nothing of it went to the server. */
    static final class Withdrawn extends MessagingException {

        Withdrawn(String reason) {
            super(reason);
        }
    }
}
