package com.portfoliobulk.worker.mail;

import com.portfoliobulk.contracts.EmailAddresses;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the worker sends invitation e-mails ({@code bulk.worker.mail.*}). The SMTP server itself is
 * Spring Boot's {@code spring.mail.*}.
 *
 * @param from the sender address of invitation e-mails
 * @param acceptUrl the accept link, with {@code {token}} where the message's token goes
 * @param pollInterval how often the sender looks for due messages
 * @param initialBackoff the wait after the first failed attempt; doubles with every further one
 * @param maxBackoff the longest wait between two attempts
 * @param maxAttempts attempts before a message ends {@code FAILED} (an SMTP outage of hours is
 *     waited out with the defaults: 5 s doubling up to 5 min, 40 attempts)
 * @param messageIdDomain the right-hand side of the deterministic {@code Message-ID}; unset, the domain
 *     of {@code from} (its ASCII xn-- form), so that the id is unique in the sender's own namespace, as
 *     RFC 5322 asks. Before, it was {@code portfolio-bulk-access}, no domain of the operator's
 * @param dataReplyTimeout how long the sender waits for the SMTP server's reply to the end of a
 *     message's data, its acceptance of the message (every other reply: {@code mail.smtp.timeout}).
 *     RFC 5321 asks for 10 minutes: a client that gives up earlier does not know whether the server
 *     took the message, and the attempt after it may deliver a second copy
 * @param starttls {@code true} or {@code false} ({@code BULK_SMTP_STARTTLS}): whether the sender
 *     upgrades the connection to TLS whenever the server offers {@code STARTTLS}
 * @param starttlsRequired {@code true} or {@code false} ({@code BULK_SMTP_STARTTLS_REQUIRED}):
 *     whether a server that does not offer {@code STARTTLS} gets nothing, neither the credentials nor
 *     a message. Angus Mail takes only {@code true} as true: {@code yes}, {@code on} or {@code 1} would
 *     silently send in the clear, so any value but {@code true} or {@code false} stops the worker
 */
@ConfigurationProperties("bulk.worker.mail")
public record MailProperties(
        @DefaultValue("no-reply@portfolio-bulk-access.local")
        String from,

        @DefaultValue("http://localhost:8080/invitations/{token}")
        String acceptUrl,

        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("5s") Duration initialBackoff,
        @DefaultValue("5m") Duration maxBackoff,
        @DefaultValue("40") int maxAttempts,
        String messageIdDomain,
        @DefaultValue("10m") Duration dataReplyTimeout,
        @DefaultValue("true") String starttls,
        @DefaultValue("false") String starttlsRequired) {

    /**
     * The longest data-reply timeout: a message's transaction holds its outbox row and a database
     * connection while it waits.
     */
    private static final Duration MAX_DATA_REPLY_TIMEOUT = Duration.ofHours(1);

    public MailProperties {
        checkSwitch("BULK_SMTP_STARTTLS", "bulk.worker.mail.starttls", starttls);
        checkSwitch("BULK_SMTP_STARTTLS_REQUIRED", "bulk.worker.mail.starttls-required", starttlsRequired);
        checkSender(from);
        if (messageIdDomain == null || messageIdDomain.isBlank()) {
            messageIdDomain = senderDomain(from);
        } else {
            messageIdDomain = messageIdDomain.strip();
        }
        checkAcceptUrl(acceptUrl);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("bulk.worker.mail.max-attempts must be at least 1");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "bulk.worker.mail.initial-backoff must be positive and at most bulk.worker.mail.max-backoff");
        }
        if (dataReplyTimeout.isNegative()
                || dataReplyTimeout.isZero()
                || dataReplyTimeout.compareTo(MAX_DATA_REPLY_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "bulk.worker.mail.data-reply-timeout must be positive and at most 1 hour: " + dataReplyTimeout);
        }
    }

    /**
     * One address, as every message's {@code From}: a malformed one would fail each message for good on
     * its first attempt (the message cannot be made), so the worker does not start with it.
     */
    private static void checkSender(String from) {
        try {
            InternetAddress[] addresses = InternetAddress.parse(from == null ? "" : from, true);
            if (addresses.length != 1) {
                throw new AddressException("one address is needed, not " + addresses.length);
            }
            addresses[0].validate();
        } catch (AddressException ex) {
            throw new IllegalArgumentException("bulk.worker.mail.from must be one e-mail address, such as"
                    + " 'Portfolio Bulk Access <no-reply@example.com>'; '" + from + "' is not: " + ex.getMessage());
        }
    }

    /** The domain of the one address {@code from} ({@link #checkSender}), in ASCII. */
    private static String senderDomain(String from) {
        try {
            String address = InternetAddress.parse(from, true)[0].getAddress();
            String domain = address.substring(address.lastIndexOf('@') + 1);
            return EmailAddresses.searchText("@" + domain).substring(1);
        } catch (AddressException ex) {
            throw new IllegalStateException("checked before: " + from, ex);
        }
    }

    /**
     * An absolute http(s) URL with {@code {token}}: the link every invitation carries. A path with an
     * empty segment ({@code PUBLIC_URL} ending with a slash) would lead every invitee to a refused page.
     */
    private static void checkAcceptUrl(String acceptUrl) {
        String problem;
        if (!acceptUrl.contains("{token}")) {
            problem = "must contain {token}";
        } else {
            URI uri;
            try {
                uri = new URI(acceptUrl.replace("{token}", "token"));
            } catch (URISyntaxException ex) {
                uri = null;
            }
            if (uri == null
                    || uri.getHost() == null
                    || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))) {
                problem = "must be an absolute http:// or https:// URL";
            } else if (uri.getRawPath() != null && uri.getRawPath().contains("//")) {
                problem = "must not have an empty path segment ('//'; does the public URL end with a slash?)";
            } else {
                return;
            }
        }
        throw new IllegalArgumentException("bulk.worker.mail.accept-url " + problem + ": " + acceptUrl);
    }

    /** Whether the sender upgrades the connection to TLS whenever the server offers it. */
    boolean upgradesToTls() {
        return Boolean.parseBoolean(starttls.strip());
    }

    /** Whether a server that does not offer {@code STARTTLS} gets nothing in the clear. */
    boolean requiresTls() {
        return Boolean.parseBoolean(starttlsRequired.strip());
    }

    /**
     * {@code true} or {@code false}, in any case: what the operator meant by any other value is not
     * known, and the mail library would read it as {@code false}.
     */
    private static void checkSwitch(String variable, String property, String value) {
        String given = value == null ? "" : value.strip();
        if (!given.equalsIgnoreCase("true") && !given.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(
                    variable + " (" + property + ") must be true or false, not '" + value + "'");
        }
    }

    /** The wait before attempt {@code attempts + 1}, after {@code attempts} failed ones. */
    Duration backoffAfter(int attempts) {
        Duration wait = initialBackoff;
        for (int i = 1; i < attempts && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
