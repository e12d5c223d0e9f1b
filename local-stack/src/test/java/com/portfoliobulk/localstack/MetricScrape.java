package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A metric's samples from the Prometheus scrape ({@code /actuator/prometheus}) of a service process. */
final class MetricScrape {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private MetricScrape() {}

    /**
     * The values of every sample of the metric {@code name} (whatever its tags) that the JVM at {@code
     * baseUrl} serves now; none when it has no such metric.
     */
    static List<Double> samples(String baseUrl, String name) throws IOException, InterruptedException {
        HttpResponse<String> scrape = HTTP.send(
                HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus"))
                        .header("Accept", "text/plain")
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).as(baseUrl).isEqualTo(200);
        return scrape.body()
                .lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .toList();
    }

    /** The samples' sum, rounded: a counter's value over all its tags. */
    static long sum(List<Double> samples) {
        return Math.round(samples.stream().mapToDouble(Double::doubleValue).sum());
    }
}
