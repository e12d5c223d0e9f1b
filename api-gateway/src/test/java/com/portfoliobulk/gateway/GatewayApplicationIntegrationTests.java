package com.portfoliobulk.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.registry.otlp.OtlpMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.context.ApplicationContext;
import org.springframework.web.client.RestClient;

@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + GatewayApplication.CONFIG_NAME)
class GatewayApplicationIntegrationTests {

    @Autowired
    ApplicationContext context;

    @Test
    void metricsAreForPrometheusOnlyAndNotPushedOverOtlpByDefault() {
        assertThat(context.getBeansOfType(OtlpMeterRegistry.class))
                .as("no OTLP push registry unless BULK_METRICS_OTLP_ENABLED=true")
                .isEmpty();
    }

    @LocalManagementPort
    int managementPort;

    @Test
    void bootsAgainstRealInfrastructureAndExposesHealthAndMetricsOnItsManagementPort() {
        RestClient http = RestClient.create("http://localhost:" + managementPort);

        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String metrics = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(metrics).contains("jvm_memory_used_bytes", "hikaricp_connections");
    }
}
