import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The containers' health check: exits 0 when the URL answers 200, 1 otherwise. The JRE image has no
 * curl or wget, and this needs nothing but the JVM. Usage: java -cp /opt/healthcheck HealthCheck URL
 */
public class HealthCheck {

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("Usage: HealthCheck URL");
            System.exit(2);
        }
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(args[0]))
                    .timeout(Duration.ofSeconds(3))
                    .GET()
                    .build();
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            System.exit(status == 200 ? 0 : 1);
        } catch (Exception ex) {
            System.err.println(args[0] + ": " + ex.getMessage());
            System.exit(1);
        }
    }
}
