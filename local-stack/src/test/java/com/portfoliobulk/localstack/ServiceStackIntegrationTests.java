package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
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

    @Test
    void theServicesListenOnLoopbackOnlyAndTheInternalOnesRefuseCallsWithoutAnInternalToken() throws Exception {
        ServiceStack stack = TestStack.get();

        // The gateway too: the local profile's demo sign-in and development secret are for this machine.
        for (ConfigurableApplicationContext internal : List.of(stack.gateway(), stack.worker(), stack.audit())) {
            String address = internal.getEnvironment().getProperty("server.address");
            assertThat(address).isNotNull();
            assertThat(InetAddress.getByName(address).isLoopbackAddress()).isTrue();
        }
        UUID portfolio = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        assertThat(status(RestClient.create(stack.auditUrl())
                        .get()
                        .uri("/api/v1/portfolios/{p}/accounts/{a}/activity-log", portfolio, account)))
                .isEqualTo(401);
        assertThat(status(RestClient.create(stack.workerUrl())
                        .post()
                        .uri("/internal/invitations/{t}/accept", "x".repeat(43))
                        .contentType(MediaType.APPLICATION_JSON)
                        .body("{\"email\":\"someone@agency.test\"}")))
                .isEqualTo(401);
    }

    private static int status(RestClient.RequestHeadersSpec<?> request) {
        return request.exchange((req, response) -> response.getStatusCode().value());
    }
}
