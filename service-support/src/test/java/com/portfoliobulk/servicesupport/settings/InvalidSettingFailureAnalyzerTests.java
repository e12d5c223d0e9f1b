package com.portfoliobulk.servicesupport.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A service whose start a setting stops (a secret too short, a key that is not base64) reports that
 * setting as the start's failure: what is wrong, naming it, and what to set. Before, the log showed
 * "Error creating bean ... Constructor threw exception", the reason far below under "Caused by:".
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidSettingFailureAnalyzerTests {

    @Test
    void aRefusedSettingIsTheStartsReportedFailureWithWhatToSet(CapturedOutput output) {
        SpringApplication service = new SpringApplication(ServiceWithShortSecret.class);
        service.setWebApplicationType(WebApplicationType.NONE);

        assertThatThrownBy(service::run).hasRootCauseInstanceOf(InvalidSettingException.class);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Description:\n\nInvalid setting BULK_EXAMPLE_SECRET: BULK_EXAMPLE_SECRET"
                        + " (bulk.example.secret) must be at least 32 bytes long; it is 9.")
                .contains("Action:\n\nSet BULK_EXAMPLE_SECRET to a random secret of at least 32 bytes.");
    }

    /** A service with one bean whose constructor refuses its setting, as the services' checks do. */
    @Configuration(proxyBeanMethods = false)
    static class ServiceWithShortSecret {

        @Bean
        Object signer() {
            return new ExampleSigner("too-short");
        }
    }

    static final class ExampleSigner {

        ExampleSigner(String secret) {
            throw new InvalidSettingException(
                    "BULK_EXAMPLE_SECRET",
                    "BULK_EXAMPLE_SECRET (bulk.example.secret) must be at least 32 bytes long; it is " + secret.length()
                            + ".",
                    "Set BULK_EXAMPLE_SECRET to a random secret of at least 32 bytes.");
        }
    }
}
