package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

class ServiceStackIntegrationTests {

    @Test
    void allThreeServicesRunSideBySideAndReportHealthy() {
        ServiceStack stack = TestStack.get();

        for (String url : List.of(stack.gatewayUrl(), stack.workerUrl(), stack.auditUrl())) {
            String health = RestClient.create(url)
                    .get()
                    .uri("/actuator/health")
                    .retrieve()
                    .body(String.class);
            assertThat(health).as(url).contains("\"status\":\"UP\"");
        }
        assertThat(stack.worker().getEnvironment().getProperty("spring.application.name"))
                .isEqualTo("bulk-worker");
    }
}
