package com.portfoliobulk.worker.mail;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every invitation e-mail series is scraped at 0 before the first e-mail, so that Prometheus sees the
 * first one (and the BulkMailFailing alert fires on the first failure after a start).
 */
class MailMetricsTests {

    private static final List<String> SERIES = List.of(
            "bulk_invitation_mails_sent_total",
            "bulk_invitation_mails_retried_total",
            "bulk_invitation_mails_failed_total");

    @Test
    void everyOutcomeInEveryTemplateLanguageIsScrapedAtZeroBeforeTheFirstMail() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new MailMetrics(registry);

        String scrape = registry.scrape();

        for (String series : SERIES) {
            for (String language : InvitationMailTemplates.LANGUAGES) {
                assertThat(scrape).contains(series + "{language=\"" + language + "\"} 0.0");
            }
        }
    }

    @Test
    void aMailIsCountedOnTheRegisteredSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MailMetrics metrics = new MailMetrics(registry);

        metrics.failed("de");
        metrics.sent("en");

        assertThat(registry.scrape())
                .contains("bulk_invitation_mails_failed_total{language=\"de\"} 1.0")
                .contains("bulk_invitation_mails_sent_total{language=\"en\"} 1.0")
                .contains("bulk_invitation_mails_failed_total{language=\"en\"} 0.0");
    }
}
