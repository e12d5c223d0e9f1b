package com.portfoliobulk.worker.mail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/** Invitation e-mail metrics, by template language, named as in README.md ("Metrics"). */
@Component
class MailMetrics {

    private final MeterRegistry registry;

    MailMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void sent(String language) {
        counter("bulk.invitation.mails.sent", "Invitation e-mails handed to the SMTP server", language)
                .increment();
    }

    /** A failed attempt that will be retried after a back-off (SMTP server unreachable, temporary refusal). */
    void retried(String language) {
        counter(
                        "bulk.invitation.mails.retried",
                        "Failed attempts to send an invitation e-mail, retried later",
                        language)
                .increment();
    }

    /** A message that will not be sent: refused recipient, malformed address, or attempts used up. */
    void failed(String language) {
        counter("bulk.invitation.mails.failed", "Invitation e-mails given up as FAILED", language)
                .increment();
    }

    private Counter counter(String name, String description, String language) {
        return Counter.builder(name)
                .description(description)
                .tag("language", language)
                .register(registry);
    }
}
