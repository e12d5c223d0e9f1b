package com.portfoliobulk.worker.mail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * Invitation e-mail metrics, by template language, named as in README.md ("Metrics"). Every series
 * (each outcome in each template language) is registered at startup at 0, so that the first e-mail
 * sent, retried or failed after Prometheus's first scrape of the worker is an increase it sees (the
 * BulkMailFailing alert): a series that first appears at 1 shows no increase. Those counted before that
 * first scrape are in the first sample, which increase() ignores when the worker is a new series (a new
 * address, as a recreated container has); BulkMailFailing also counts the e-mails given up by a worker
 * started within its 15 minutes.
 */
@Component
class MailMetrics {

    private final MeterRegistry registry;

    private final Map<String, Counter> sent;

    private final Map<String, Counter> retried;

    private final Map<String, Counter> failed;

    MailMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sent = byLanguage(this::sentCounter);
        this.retried = byLanguage(this::retriedCounter);
        this.failed = byLanguage(this::failedCounter);
    }

    void sent(String language) {
        counter(sent, this::sentCounter, language).increment();
    }

    /**
     * A failed attempt that will be retried after a back-off (SMTP server unreachable, temporary
     * refusal, refusal of the worker's settings).
     */
    void retried(String language) {
        counter(retried, this::retriedCounter, language).increment();
    }

    /** A message that will not be sent: invitee's address refused, malformed address, or attempts used up. */
    void failed(String language) {
        counter(failed, this::failedCounter, language).increment();
    }

    private Counter sentCounter(String language) {
        return counter("bulk.invitation.mails.sent", "Invitation e-mails handed to the SMTP server", language);
    }

    private Counter retriedCounter(String language) {
        return counter(
                "bulk.invitation.mails.retried",
                "Failed attempts to send an invitation e-mail, retried later",
                language);
    }

    private Counter failedCounter(String language) {
        return counter("bulk.invitation.mails.failed", "Invitation e-mails given up as FAILED", language);
    }

    private static Map<String, Counter> byLanguage(Function<String, Counter> counter) {
        return InvitationMailTemplates.LANGUAGES.stream()
                .collect(Collectors.toUnmodifiableMap(language -> language, counter));
    }

    /** The template languages' counters are registered; any other language's on its first use. */
    private static Counter counter(
            Map<String, Counter> registered, Function<String, Counter> counter, String language) {
        Counter known = registered.get(language);
        return known != null ? known : counter.apply(language);
    }

    private Counter counter(String name, String description, String language) {
        return Counter.builder(name)
                .description(description)
                .tag("language", language)
                .register(registry);
    }
}
