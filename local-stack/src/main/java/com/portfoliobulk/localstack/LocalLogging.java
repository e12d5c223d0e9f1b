package com.portfoliobulk.localstack;

import com.portfoliobulk.servicesupport.logging.PlainLogCorrelation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.logging.LogFile;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Logging of the local run: everything goes to one log file, the console shows only errors
 * (everything with {@code --verbose}), so the summary the local stack prints stays readable.
 * Set up once, before PostgreSQL and Kafka start; the services find it initialized and keep it. Each
 * line names its service ({@link ServiceLogName}), or {@code [local-stack]}.
 */
final class LocalLogging {

    /**
     * Spring Boot's default patterns with {@code %service} for the application name and the services'
     * correlation part (trace and span ids, request, job, task and portfolio ids: {@link
     * PlainLogCorrelation}), written out: a pattern given as a property passes through Spring's
     * placeholder resolution, which would take logback's {@code ${NAME:-default}} for its own.
     */
    private static final String CONSOLE_PATTERN = "%clr(%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}){faint} %clr(%5p)"
            + " %clr(" + ProcessHandle.current().pid() + "){magenta} %clr(--- %" + ServiceLogName.WORD
            + "[%15.15t] " + PlainLogCorrelation.PATTERN
            + "){faint}%clr(%-40.40logger{39}){cyan} %clr(:){faint} %m%n%wEx";

    private static final String FILE_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p " + ProcessHandle.current().pid() + " --- %" + ServiceLogName.WORD
                    + "[%t] " + PlainLogCorrelation.PATTERN + "%-40.40logger{39} : %m%n%wEx";

    private final LoggingSystem system;

    private LocalLogging(LoggingSystem system) {
        this.system = system;
    }

    static LocalLogging initialize(Path logFile, boolean verbose) {
        Map<String, Object> properties = new HashMap<>(properties(logFile, verbose));
        // Spring Boot's patterns with the line's own service (see ServiceLogName) for the application
        // name, which one logging system shared by three services cannot tell.
        ServiceLogName.register();
        properties.put("logging.pattern.console", CONSOLE_PATTERN);
        properties.put("logging.pattern.file", FILE_PATTERN);
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("localStackLogging", properties));
        LoggingSystem system = LoggingSystem.get(LocalLogging.class.getClassLoader());
        system.beforeInitialize();
        system.initialize(new LoggingInitializationContext(environment), null, LogFile.get(environment));
        // The broker logs its whole configuration and every partition at INFO.
        system.setLogLevel("kafka", LogLevel.WARN);
        system.setLogLevel("org.apache.kafka", LogLevel.WARN);
        system.setLogLevel("state.change.logger", LogLevel.WARN);
        return new LocalLogging(system);
    }

    /** The logging properties, also given to each service. */
    static Map<String, Object> properties(Path logFile, boolean verbose) {
        return Map.of(
                "logging.file.name",
                logFile.toString(),
                "logging.threshold.console",
                verbose ? "TRACE" : "ERROR",
                // The local stack stops logging after the services, Kafka and PostgreSQL.
                "logging.register-shutdown-hook",
                false);
    }

    /** Flushes and stops logging; the last step of the shutdown. */
    void stop() {
        Runnable shutdown = system.getShutdownHandler();
        if (shutdown != null) {
            shutdown.run();
        }
    }
}
