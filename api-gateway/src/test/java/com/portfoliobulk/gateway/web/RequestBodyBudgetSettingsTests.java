package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * One caller's share of the large bodies' budget ({@code
 * bulk.gateway.web.max-body-bytes-in-flight-per-caller}) is half of the budget unless set, and from 1
 * byte to the whole budget: any other stops the gateway from starting, naming the setting.
 */
class RequestBodyBudgetSettingsTests {

    private final ApplicationContextRunner gateway = new ApplicationContextRunner().withUserConfiguration(Budget.class);

    @Test
    void oneCallersShareIsHalfOfTheBudgetUnlessSet() {
        gateway.run(context -> assertThat(context.getBean(WebProperties.class).maxBodyBytesInFlightPerCaller())
                .isEqualTo(DataSize.ofMegabytes(10)));
        gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight=8MB")
                .run(context -> assertThat(context.getBean(WebProperties.class).maxBodyBytesInFlightPerCaller())
                        .isEqualTo(DataSize.ofMegabytes(4)));
        gateway.withPropertyValues(
                        "bulk.gateway.web.max-body-bytes-in-flight=8MB",
                        "bulk.gateway.web.max-body-bytes-in-flight-per-caller=8MB")
                .run(context -> assertThat(context).hasNotFailed());
        gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight-per-caller=1B")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aShareOfNothingOrOfMoreThanTheBudgetIsRefused() {
        for (String share : new String[] {"0B", "-1MB", "21MB"}) {
            gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight-per-caller=" + share)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageContaining("bulk.gateway.web.max-body-bytes-in-flight-per-caller is ")
                            .hasMessageContaining("it must be from 1 byte to bulk.gateway.web.max-body-bytes-in-flight"
                                    + " (20971520 bytes)"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WebProperties.class)
    @Import({RequestBodyBudget.class, FilterRefusals.class})
    static class Budget {

        @Bean
        JsonMapper json() {
            return JsonMapper.builder().build();
        }

        @Bean
        MeterRegistry meters() {
            return new SimpleMeterRegistry();
        }
    }
}
