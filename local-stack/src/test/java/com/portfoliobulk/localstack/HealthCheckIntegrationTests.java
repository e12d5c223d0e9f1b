package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.FreePorts;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The containers' health check (ops/docker/ready.sh), run with bash as Docker runs it. */
class HealthCheckIntegrationTests {

    @Test
    void passesWhenTheServiceIsReady() throws Exception {
        ServiceStack stack = TestStack.get();

        for (String url : List.of(stack.gatewayUrl(), stack.workerUrl(), stack.auditUrl())) {
            assertThat(probe(URI.create(url).getPort())).as(url).isZero();
        }
    }

    @Test
    void failsWhenNothingListens() throws Exception {
        assertThat(probe(FreePorts.take())).isOne();
    }

    @Test
    void failsWhenTheServiceIsNotReady() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/actuator/health/readiness", exchange -> {
            byte[] body = "{\"status\":\"OUT_OF_SERVICE\"}".getBytes();
            exchange.sendResponseHeaders(503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            assertThat(probe(server.getAddress().getPort())).isOne();
        } finally {
            server.stop(0);
        }
    }

    /** A process that accepts connections and never answers, as a frozen JVM does. */
    @Test
    void failsWithinItsTimeoutWhenNothingAnswers() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            long start = System.nanoTime();
            assertThat(probe(silent.getLocalPort())).isOne();
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("within Compose's 5 s health check timeout")
                    .isLessThan(Duration.ofMillis(4500));
        }
    }

    private static int probe(int port) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(
                        "bash", ProjectFiles.file("ops/docker/ready.sh").toString(), String.valueOf(port))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
