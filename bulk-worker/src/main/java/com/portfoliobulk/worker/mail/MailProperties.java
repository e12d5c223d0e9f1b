package com.portfoliobulk.worker.mail;

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
 * @param messageIdDomain the right-hand side of the deterministic {@code Message-ID}
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
        @DefaultValue("portfolio-bulk-access") String messageIdDomain) {

    public MailProperties {
        if (!acceptUrl.contains("{token}")) {
            throw new IllegalArgumentException("bulk.worker.mail.accept-url must contain {token}");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("bulk.worker.mail.max-attempts must be at least 1");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "bulk.worker.mail.initial-backoff must be positive and at most bulk.worker.mail.max-backoff");
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
