package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobProblemsTests {

    @Test
    void aReusedKeyIsToldTheConfiguredWindow() {
        assertThat(JobProblems.keyReused("k-1", Duration.ofHours(24)).getMessage())
                .contains("'k-1'", "within the last 24 hours;");
        assertThat(JobProblems.keyReused("k-1", Duration.ofMinutes(90)).getMessage())
                .contains("within the last 90 minutes;");
        assertThat(JobProblems.keyReused("k-1", Duration.ofHours(1)).getMessage())
                .contains("within the last hour;");
        assertThat(JobProblems.keyReused("k-1", Duration.ofSeconds(45)).getMessage())
                .contains("within the last 45 seconds;");
        assertThat(JobProblems.keyReused("k-1", Duration.ofDays(7)).reason())
                .isEqualTo(RequestRefusedException.Reason.IDEMPOTENCY_KEY_REUSED);
    }
}
