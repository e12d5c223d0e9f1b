package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Where the console calls its own gateway for each {@code server.address} and context path. */
class GatewayApiOwnUrlTests {

    @Test
    void loopbackByNameUnlessTheGatewayIsBoundToOneAddress() {
        assertThat(GatewayApi.ownUrl(null, 8080, "")).isEqualTo("http://localhost:8080");
        assertThat(GatewayApi.ownUrl("", 8080, "")).isEqualTo("http://localhost:8080");
        assertThat(GatewayApi.ownUrl("0.0.0.0", 8080, "")).isEqualTo("http://localhost:8080");
        assertThat(GatewayApi.ownUrl("::", 8080, "")).isEqualTo("http://localhost:8080");
        assertThat(GatewayApi.ownUrl("192.168.1.10", 8080, "")).isEqualTo("http://192.168.1.10:8080");
        assertThat(GatewayApi.ownUrl(" 127.0.0.2 ", 8080, "")).isEqualTo("http://127.0.0.2:8080");
        assertThat(GatewayApi.ownUrl("::1", 8080, "")).isEqualTo("http://[0:0:0:0:0:0:0:1]:8080");
    }

    @Test
    void underTheContextPathTheGatewayIsServedAt() {
        assertThat(GatewayApi.ownUrl(null, 8080, "/bulk")).isEqualTo("http://localhost:8080/bulk");
        assertThat(GatewayApi.ownUrl("::1", 8080, "/bulk")).isEqualTo("http://[0:0:0:0:0:0:0:1]:8080/bulk");
        assertThat(GatewayApi.ownUrl("192.168.1.10", 8080, null)).isEqualTo("http://192.168.1.10:8080");
    }
}
