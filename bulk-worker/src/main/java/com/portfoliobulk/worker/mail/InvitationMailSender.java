package com.portfoliobulk.worker.mail;

import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.worker.TransactionWaits;
import com.portfoliobulk.worker.mail.InvitationMailStore.ClaimedMail;
import com.portfoliobulk.worker.mail.InvitationMailStore.Invitations;
import com.portfoliobulk.worker.mail.InvitationMailStore.Turns;
import com.portfoliobulk.worker.mail.InvitationMailTemplates.RenderedMail;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.mail.MailException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the queued invitation e-mails. Each message is sent in a transaction of its own: the outbox
 * row is claimed with {@code FOR UPDATE SKIP LOCKED} (so several worker instances share the queue
 * without sending one message twice at the same time), the row is marked sent, and only then is the
 * message handed to the SMTP server, in the same transaction: a failed attempt rolls the mark back
 * (to a savepoint written before it) and schedules the message again or ends it. A database that
 * cannot write the mark (its disk full, SQL state 53100) thus fails the attempt before anything goes
 * out. Before, the mark followed the hand-over: each poll, about every second, handed the message to
 * the server and then failed to mark it, and the invitee got a copy a second for as long as the
 * database could not write.
 *
 * <p>Delivery is at least once at the SMTP boundary: when the worker dies (or the database is lost)
 * after the SMTP server accepted a message but before the mark committed, the row is still due and
 * the message is sent again. Every attempt of one row carries the same {@code Message-ID}
 * ({@code <row id@domain>}), so a receiving system can recognise the second copy. The server's
 * acceptance itself (its reply to the end of the data) is awaited for up to
 * {@code bulk.worker.mail.data-reply-timeout}, 10 min ({@link DataReplyTimeoutTransport}): a sender
 * that gave up earlier would not know whether the server took the message, and would send it again.
 *
 * <p>An unreachable SMTP server, a temporary refusal or a refusal of the worker's settings (relaying or
 * the sender refused, {@link SmtpRefusals}) schedules another attempt after a growing back-off; a
 * refused invitee address or a malformed one ends the message {@code FAILED} at once, and the
 * invitation's task shows why. One message's failure never holds up others: a refusal of its
 * invitee's address alone, for now (greylisting, a full mailbox), lets the poll go on with the next
 * message; a failure likely to hold for the next one too (the server unreachable) ends the poll, and
 * the others wait for the next.
 *
 * <p>When the worker stops, a poll ends after the message in hand ({@link #stop()}): the others stay
 * due, for the next start or another worker. A message in hand whose SMTP server has not answered
 * within the graceful shutdown's 30 s is not marked, and is sent again after the restart.
 */
@Component
class InvitationMailSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(InvitationMailSender.class);

    /** The commands of a message's data: {@code DATA} itself, and {@code .} that ends it. */
    private static final Set<String> DATA_COMMANDS = Set.of("DATA", ".");

    /** What the log has in place of an e-mail address ({@link #withoutAddresses}). */
    private static final String ADDRESS = "[address]";

    /** An e-mail address as a server's reply or an exception's message quotes it. */
    private static final Pattern AN_ADDRESS = Pattern.compile("[^\\s<>()\\[\\]\"',;:@]+@[^\\s<>()\\[\\]\"',;:@]+");

    /** Messages one poll sends at most before it yields to the next poll. */
    private static final int MAX_PER_POLL = 200;

    /**
     * How long a message's transaction may wait for the SMTP server besides the reply to the end of its
     * data: several of the client's other timeouts (5 s to connect, 10 s for each other read or write)
     * in a row.
     */
    private static final Duration OTHER_SMTP_WAITS = Duration.ofSeconds(90);

    /**
     * How often an attempt writes a message whose invitations change while it is on its way: after
     * that, the message is tried again later, as after a failure.
     */
    private static final int WRITINGS = 3;

    private final InvitationMailStore store;

    private final InvitationMailTemplates templates;

    private final JavaMailSender mailSender;

    private final MailProperties properties;

    private final MailMetrics metrics;

    private final TransactionTemplate transactions;

    private final TransactionWaits waits;

    /**
     * How long a message's transaction may wait for the SMTP server: up to the data-reply timeout for
     * its acceptance of the message, and the other waits.
     */
    private final Duration smtpWait;

    /** The worker's own addresses, which the log keeps ({@link #withoutAddresses}), in lower case. */
    private final Set<String> ownAddresses;

    /** Whether the jobs schema was missing at the last poll: said once, not at every poll. */
    private volatile boolean waitingForJobsSchema;

    /** Set when the worker stops: a poll sends no further message. */
    private volatile boolean stopping;

    InvitationMailSender(
            InvitationMailStore store,
            InvitationMailTemplates templates,
            JavaMailSender mailSender,
            MailProperties properties,
            MailMetrics metrics,
            PlatformTransactionManager transactionManager,
            TransactionWaits waits) {
        this.store = store;
        this.templates = templates;
        this.mailSender = mailSender;
        this.properties = properties;
        this.metrics = metrics;
        this.transactions = new TransactionTemplate(transactionManager);
        this.waits = waits;
        this.smtpWait = properties.dataReplyTimeout().plus(OTHER_SMTP_WAITS);
        this.ownAddresses = ownAddresses(properties.from(), mailSender);
    }

    /**
     * Sends due messages, one per transaction, until none is due, a poll's share is sent, or an
     * attempt failed for a reason that is likely to hold for the next message too (the SMTP server
     * is down): the rest wait for the next poll instead of each waiting for a timeout now. Portfolios
     * take turns in each poll: each one's first due message, then each one's second, and so on ({@link
     * InvitationMailStore#claimNext}). Once the worker stops, it ends after the message in hand.
     */
    @Scheduled(fixedDelayString = "${bulk.worker.mail.poll-interval:1s}")
    void poll() {
        try {
            Turns turns = new Turns();
            for (int i = 0; i < MAX_PER_POLL && !stopping && sendNext(turns) == Attempt.DONE; i++) {
                // one message per transaction
            }
            if (waitingForJobsSchema) {
                waitingForJobsSchema = false;
                log.info("The jobs schema is there: invitation e-mails are sent");
            }
        } catch (RuntimeException ex) {
            String missing = missingRelation(ex);
            if (missing == null) {
                log.warn("Sending invitation e-mails paused until the next poll: {}", ex.toString());
            } else if (!waitingForJobsSchema) {
                // A first start: the worker is up before the api-gateway has created its schema.
                waitingForJobsSchema = true;
                log.info(
                        "Invitation e-mails wait for the jobs schema, which the api-gateway creates when it"
                                + " first starts ({})",
                        missing);
            }
        }
    }

    /**
     * Polls send no further message: the worker stops. Called in the first phase of the context's
     * stop, this bean's ({@link SmartLifecycle#DEFAULT_PHASE}), ahead of the scheduler's ({@code
     * Integer.MAX_VALUE / 2} since Spring Framework 7), whose stop waits for the running poll (up to
     * {@code spring.lifecycle.timeout-per-shutdown-phase}, 30 s); the context then interrupts it and
     * closes the database's connections: a poll that went on with its up to 200 messages (a fraction of
     * a second each with a relay) was cut short there, and the message being sent, accepted by the SMTP
     * server but not marked, went out again after the restart. The message in hand is cut short the same
     * way when its SMTP server has not answered within that wait: it is sent again after the restart,
     * under the same {@code Message-ID}.
     */
    @Override
    public void stop() {
        stopping = true;
    }

    /** Polls send again (the context started again after a stop). */
    @Override
    public void start() {
        stopping = false;
    }

    @Override
    public boolean isRunning() {
        return !stopping;
    }

    /**
     * The database's message when a statement named a table, column or schema that does not exist (SQL
     * states 42P01, 42703 and 3F000: the jobs schema is not there yet, or not yet at this version, while
     * the api-gateway migrates it), else null.
     */
    static String missingRelation(Throwable failure) {
        for (Throwable cause = failure; cause != null && cause.getCause() != cause; cause = cause.getCause()) {
            if (cause instanceof SQLException sql
                    && ("42P01".equals(sql.getSQLState())
                            || "42703".equals(sql.getSQLState())
                            || "3F000".equals(sql.getSQLState()))) {
                return sql.getMessage();
            }
        }
        return null;
    }

    /** Sends the next due message, if any, in the turn of its portfolio. */
    Attempt sendNext(Turns turns) {
        Attempt attempt = transactions.execute(status -> {
            Optional<ClaimedMail> claimed = store.claimNext(turns);
            return claimed.isPresent() ? send(claimed.get(), status) : Attempt.NONE_DUE;
        });
        return attempt == null ? Attempt.NONE_DUE : attempt;
    }

    /**
     * Sends the message with the invitations still pending. They are read once more right before the
     * message is handed to the SMTP server ({@link CheckedMessage}), since making the connection can
     * take seconds: when they changed meanwhile (an unlink of the account ended them, a revocation, an
     * acceptance), the message is written again from what is left, or, with nothing left, ends {@code
     * CANCELLED} unsent, as one whose invitations ended before it was claimed. Before, it went out with
     * the invitations read before the connection, and its link answered 410 when none was left.
     */
    private Attempt send(ClaimedMail mail, TransactionStatus transaction) {
        for (int writing = 1; ; writing++) {
            Optional<Invitations> invitations = store.invitations(mail, InvitationMailTemplates.LISTED_ACCOUNTS);
            if (invitations.isEmpty()) {
                store.markCancelled(mail.id(), "No pending invitation of the job is left to announce");
                return Attempt.DONE;
            }
            RenderedMail rendered = templates.render(mail, invitations.get());
            waits.allow(smtpWait);
            // Marked before it is handed over: a database that cannot write the mark fails here, with
            // nothing sent; a failed hand-over rolls the mark back.
            Object unmarked = transaction.createSavepoint();
            store.markSent(mail.id());
            try {
                mailSender.send(message(mail, rendered, invitations.get()));
            } catch (MailException | MessagingException ex) {
                if (!acceptedBeforeFailing(ex)) {
                    transaction.rollbackToSavepoint(unmarked);
                }
                if (withdrawn(ex) && writing < WRITINGS) {
                    log.info(
                            "Invitation e-mail {} was not sent: its invitations changed while it was on its way;"
                                    + " it is written again from those still pending",
                            mail.id());
                    continue;
                }
                if (!acceptedBeforeFailing(ex)) {
                    return failed(mail, rendered.language(), ex);
                }
                log.info(
                        "Invitation e-mail {} was accepted by the SMTP server; ending the connection after it"
                                + " failed: {}",
                        mail.id(),
                        withoutAddresses(describe(ex), mail.email()));
            }
            transaction.releaseSavepoint(unmarked);
            metrics.sent(rendered.language());
            return Attempt.DONE;
        }
    }

    /**
     * Whether the message was not sent because its last check found its invitations changed ({@link
     * CheckedMessage.Withdrawn}): Spring's sender reports it as the failure of that message.
     */
    static boolean withdrawn(Exception failure) {
        return failure instanceof MailSendException send
                && send.getFailedMessages().values().stream().anyMatch(CheckedMessage.Withdrawn.class::isInstance);
    }

    /** How an attempt went, for the poll. */
    enum Attempt {
        /**
         * Sent, ended for good, or scheduled again after a refusal of its invitee's address alone: go on
         * with the next message.
         */
        DONE,
        /** Scheduled again: the next message would likely fail the same way now. */
        RETRY_LATER,
        NONE_DUE
    }

    /**
     * The message, checked right before it is handed over: the invitations it announces must still be
     * pending, as it names them.
     */
    private MimeMessage message(ClaimedMail mail, RenderedMail rendered, Invitations announced)
            throws MessagingException {
        MimeMessage message = new CheckedMessage(mailSender.createMimeMessage().getSession(), () -> {
            if (!store.invitations(mail, InvitationMailTemplates.LISTED_ACCOUNTS)
                    .equals(Optional.of(announced))) {
                throw new CheckedMessage.Withdrawn(
                        "The invitations the e-mail announces changed while it was on its" + " way to the SMTP server");
            }
        });
        MimeMessageHelper helper = new MimeMessageHelper(message, true, StandardCharsets.UTF_8.name());
        helper.setFrom(properties.from());
        helper.setTo(new InternetAddress(addressOnTheWire(mail.email()), true));
        helper.setSubject(rendered.subject());
        helper.setText(rendered.text(), rendered.html());
        // Kept by JavaMailSenderImpl when it saves the message: the same for every attempt of this row.
        message.setHeader("Message-ID", messageId(mail.id()));
        // RFC 3834: out-of-office and other automatic responders do not answer it.
        message.setHeader("Auto-Submitted", "auto-generated");
        return message;
    }

    /**
     * The invitee's address as the message is sent to it ({@code RCPT TO} and {@code To:}): its domain in
     * ASCII, a Unicode one in its xn-- form, as IDNA writes it and as addresses are stored since the
     * rule of addresses. An address stored before that rule may hold characters outside ASCII, which
     * the mail library, without SMTPUTF8, wrote as one byte each (the low byte of the character): a
     * mail to another address, never delivered. One with such characters before the @, which no server
     * without SMTPUTF8 takes, or whose domain IDNA cannot write, is refused here, before the server is
     * contacted, and the message ends {@code FAILED} with the reason.
     */
    static String addressOnTheWire(String stored) throws AddressException {
        int at = stored.lastIndexOf('@');
        if (at > 0 && !isAscii(stored.substring(0, at))) {
            throw new UnsendableAddress("address has non-ASCII characters before the @, which mail servers"
                    + " without SMTPUTF8 cannot take");
        }
        String ascii = EmailAddresses.searchText(stored);
        if (!isAscii(ascii)) {
            throw new UnsendableAddress("address has a domain that IDNA cannot write in ASCII (its xn-- form),"
                    + " which mail servers without SMTPUTF8 cannot take");
        }
        return ascii;
    }

    private static boolean isAscii(String text) {
        return text.chars().allMatch(c -> c < 0x80);
    }

    /** An address the worker cannot write on the wire: its message says why, for the invitee's tasks. */
    static final class UnsendableAddress extends AddressException {

        UnsendableAddress(String reason) {
            super(reason);
        }
    }

    String messageId(UUID mailId) {
        return "<" + mailId + "@" + properties.messageIdDomain() + ">";
    }

    private Attempt failed(ClaimedMail mail, String language, Exception failure) {
        String error = describe(failure);
        String logged = withoutAddresses(error, mail.email());
        int attempts = mail.attempts() + 1;
        if (isPermanent(failure)) {
            log.warn("Invitation e-mail {} failed for good: {}", mail.id(), logged);
            store.markFailed(mail, error);
            metrics.failed(language);
        } else if (attempts >= properties.maxAttempts()) {
            log.warn("Invitation e-mail {} failed {} times; giving up: {}", mail.id(), attempts, logged);
            store.markFailed(mail, "Gave up after " + attempts + " attempts: " + error);
            metrics.failed(language);
        } else {
            log.info("Invitation e-mail {} failed (attempt {}), retried later: {}", mail.id(), attempts, logged);
            store.markRetry(mail.id(), error, properties.backoffAfter(attempts));
            metrics.retried(language);
            // The next message, to another address, is not refused with this one's.
            return refusesOnlyTheInviteeForNow(failure) ? Attempt.DONE : Attempt.RETRY_LATER;
        }
        return Attempt.DONE;
    }

    /**
     * A refusal of the invitee's address alone, for now, the server's reply to {@code RCPT TO} ({@link
     * SmtpRefusals#refusesOnlyTheInviteeForNow}: greylisting, a full mailbox): the message is retried,
     * and the poll goes on with the next one. Every other failure that is retried (the server
     * unreachable or silent, {@code 421}, a refusal of the sender, of the data or of signing in) is
     * likely to hold for the next message too, and ends the poll.
     */
    static boolean refusesOnlyTheInviteeForNow(Exception failure) {
        if (failure instanceof MailSendException send) {
            for (Exception cause : send.getFailedMessages().values()) {
                if (refusesRecipientForNow(cause)) {
                    return true;
                }
            }
            return refusesRecipientForNow(send.getCause());
        }
        return refusesRecipientForNow(failure);
    }

    private static boolean refusesRecipientForNow(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SMTPAddressFailedException refused
                    && refused.getCommand() != null
                    && refused.getCommand().toUpperCase(Locale.ROOT).startsWith("RCPT")) {
                return SmtpRefusals.refusesOnlyTheInviteeForNow(refused.getReturnCode(), refused.getMessage());
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /**
     * The SMTP server accepted the message (250 to its data), and only ending the connection failed
     * ({@code QUIT} unanswered or the connection reset): Spring's sender then throws a
     * {@link MailSendException} that names no failed message. Sending it again would deliver a copy.
     */
    static boolean acceptedBeforeFailing(Exception failure) {
        return failure instanceof MailSendException send
                && send.getFailedMessages().isEmpty()
                && send.getCause() != null;
    }

    /**
     * An unusable address, or a permanent refusal (5xx) of the invitee's address, to {@code RCPT TO} or
     * to the message's data: trying again cannot help. A 5xx that refuses the worker's settings or the
     * mail system ({@link SmtpRefusals}: relaying or the sender refused, sign-in required, a policy) is
     * not one of them, nor is a 5xx to the sender ({@code MAIL FROM}) or to signing in: that is the
     * configuration, wrong for every message until it is fixed, and retried.
     */
    static boolean isPermanent(Exception failure) {
        if (failure instanceof AddressException
                || failure instanceof MailParseException
                || failure instanceof MailPreparationException) {
            return true;
        }
        if (failure instanceof MailSendException send) {
            for (Exception cause : send.getFailedMessages().values()) {
                if (refusesRecipient(cause)) {
                    return true;
                }
            }
            return refusesRecipient(send.getCause());
        }
        return refusesRecipient(failure);
    }

    private static boolean refusesRecipient(Throwable failure) {
        boolean invalidAddresses = false;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            // The server's reply to the recipient, or to the data, decides whose the refusal is.
            if (cause instanceof SMTPAddressFailedException refused) {
                return SmtpRefusals.refusesTheInvitee(refused.getReturnCode(), refused.getMessage());
            }
            if (cause instanceof SMTPSendFailedException refused && DATA_COMMANDS.contains(refused.getCommand())) {
                return SmtpRefusals.refusesTheInvitee(refused.getReturnCode(), refused.getMessage());
            }
            if (cause instanceof SendFailedException refused
                    && refused.getInvalidAddresses() != null
                    && refused.getInvalidAddresses().length > 0) {
                invalidAddresses = true;
            }
            if (cause instanceof AddressException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        // Addresses the transport found invalid without a server's reply to go by.
        return invalidAddresses;
    }

    /**
     * A failure's text for the log, which names an e-mail by its id: the invitee's address, and any
     * other address in it but the worker's own ({@link #ownAddresses}), replaced by {@value #ADDRESS}
     * ("550 5.1.1 <ann@example.com>: User unknown", as a server's reply quotes the recipient, becomes
     * "550 5.1.1 <[address]>: User unknown"). The e-mail's row keeps its text whole, with the address it
     * holds anyway.
     */
    private String withoutAddresses(String text, String invitee) {
        return withoutAddresses(text, invitee, ownAddresses);
    }

    private static String withoutAddresses(String text, String invitee, Set<String> kept) {
        String without = invitee == null || invitee.isEmpty()
                ? text
                : Pattern.compile(Pattern.quote(invitee), Pattern.CASE_INSENSITIVE)
                        .matcher(text)
                        .replaceAll(Matcher.quoteReplacement(ADDRESS));
        return AN_ADDRESS
                .matcher(without)
                .replaceAll(address -> Matcher.quoteReplacement(
                        kept.contains(address.group().toLowerCase(Locale.ROOT)) ? address.group() : ADDRESS));
    }

    /**
     * The worker's own addresses, which a refusal of its settings quotes ("Sender address rejected",
     * "SendAsDenied; worker@… not allowed to send as invitations@…"): its {@code From} and the user it
     * signs in to the SMTP server as, when that is an address. The log keeps them.
     */
    private static Set<String> ownAddresses(String from, JavaMailSender mailSender) {
        Set<String> own = new HashSet<>();
        try {
            for (InternetAddress address : InternetAddress.parse(from, false)) {
                own.add(address.getAddress().toLowerCase(Locale.ROOT));
            }
        } catch (AddressException ex) {
            // MailProperties refuses such a From: the worker does not start.
        }
        if (mailSender instanceof JavaMailSenderImpl configured
                && configured.getUsername() != null
                && configured.getUsername().contains("@")) {
            own.add(configured.getUsername().strip().toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(own);
    }

    private static String describe(Exception failure) {
        if (failure instanceof UnsendableAddress unsendable) {
            return unsendable.getMessage();
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root == failure ? failure.toString() : failure.getMessage() + " (" + root + ")";
        return text.length() > 500 ? text.substring(0, 500) : text;
    }
}
