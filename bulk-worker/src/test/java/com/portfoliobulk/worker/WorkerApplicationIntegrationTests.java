package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.client.RestClient;

class WorkerApplicationIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    @Test
    void bootsAgainstRealInfrastructureAndExposesHealthAndMetrics() {
        RestClient http = RestClient.create("http://localhost:" + port);

        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String metrics = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(metrics).contains("jvm_memory_used_bytes", "hikaricp_connections");
    }
}
