package com.portfoliobulk.servicesupport.logging;

import com.portfoliobulk.servicesupport.web.RequestIdHeader;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * What a plain-text log line (the default, without {@code LOGGING_STRUCTURED_FORMAT_CONSOLE}) carries
 * besides its message, as a JSON line carries it: the trace and span ids, then {@code requestId=…},
 * {@code jobId=…}, {@code taskId=…} and {@code portfolioId=…} for those the line's logging context has
 * ({@link LogContext}, the request's id), each left out when it has none. Given to every service as
 * the default of {@code logging.pattern.correlation} (a setting of the service's own, such as {@code
 * LOGGING_PATTERN_CORRELATION}, comes first); the local stack writes it into its own patterns.
 */
public final class PlainLogCorrelation implements EnvironmentPostProcessor {

    /** The MDC keys a plain line names, in this order. */
    static final String[] KEYS = {
        RequestIdHeader.LOG_KEY, LogContext.JOB_ID, LogContext.TASK_ID, LogContext.PORTFOLIO_ID
    };

    /**
     * The logback pattern: Spring Boot's trace and span ids ({@code %correlationId}), then each key
     * that has a value as {@code key=value }. No {@code ${…}} in it, so that it passes placeholder
     * resolution unchanged.
     */
    public static final String PATTERN = "%correlationId"
            + Stream.of(KEYS)
                    .map(key -> "%replace(%X{" + key + "}){'(.+)', '" + key + "=$1 '}")
                    .collect(Collectors.joining());

    private static final String PROPERTY = "logging.pattern.correlation";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment
                .getPropertySources()
                .addLast(new MapPropertySource("plainLogCorrelation", Map.of(PROPERTY, PATTERN)));
    }
}
