package com.portfoliobulk.servicesupport.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.servicesupport.logging.LogContext;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.Configurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration;
import org.springframework.boot.micrometer.tracing.opentelemetry.autoconfigure.OpenTelemetryTracingAutoConfiguration;
import org.springframework.boot.opentelemetry.autoconfigure.OpenTelemetrySdkAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.DeferredImportSelector;
import org.springframework.context.annotation.Import;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.util.ClassUtils;

/**
 * A line about a piece of work that runs in no trace of the service's own (a task of the worker's
 * batch, an activity event of the audit-consumer's, a job of the relay's) carries the trace it travels
 * with ({@link LogContext}), also after a database statement of it was a span, with {@code
 * BULK_TRACING_JDBC_OUTSIDE_TRACES=true}: closing that span's scope put back what the logging context
 * had, instead of taking the trace id out of it. The services' tracing configuration and the shared
 * PostgreSQL.
 */
class TraceLogContextIntegrationTests {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final Logger log = LoggerFactory.getLogger(TraceLogContextIntegrationTests.class);

    @Test
    void aLineAfterADatabaseStatementObservedOutsideAnyTraceCarriesTheTraceOfItsWork() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Service.class)
                        .web(WebApplicationType.NONE)
                        .properties("bulk.tracing.jdbc.outside-traces=true")
                        .run();
                LogLines lines = LogLines.of(TraceLogContextIntegrationTests.class.getName())) {
            JdbcClient jdbc = JdbcClient.create(context.getBean(DataSource.class));
            try (LogContext task = LogContext.open()
                    .put(LogContext.TASK_ID, "task-1")
                    .traceParent("00-" + TRACE_ID + "-00f067aa0ba902b7-01")) {
                log.info("Before the statement");
                assertThat(jdbc.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
                log.info("After the statement");
            }

            assertThat(lines.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("Before the statement", "After the statement");
            assertThat(lines.lines())
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap())
                            .as(line.getFormattedMessage())
                            .containsEntry(LogContext.TASK_ID, "task-1")
                            .containsEntry(LogContext.TRACE_ID, TRACE_ID));
        }
    }

    /**
     * A service's tracing: service-support's tracing auto-configurations, as listed for the services,
     * and Spring Boot's, around the shared PostgreSQL.
     */
    @Configuration(proxyBeanMethods = false)
    @Import(TracingAutoConfigurations.class)
    static class Service {

        @Bean
        DataSource dataSource() {
            DatabaseEndpoint database = SharedInfrastructure.database();
            return new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password());
        }
    }

    /**
     * Every auto-configuration of service-support's tracing package that its auto-configuration list
     * names, and Spring Boot's observation and tracing ones, in the order their own annotations give
     * them, as in a service.
     */
    static class TracingAutoConfigurations implements DeferredImportSelector {

        @Override
        public String[] selectImports(AnnotationMetadata metadata) {
            List<Class<?>> classes = new ArrayList<>(List.of(
                    ObservationAutoConfiguration.class,
                    OpenTelemetrySdkAutoConfiguration.class,
                    MicrometerTracingAutoConfiguration.class,
                    OpenTelemetryTracingAutoConfiguration.class));
            ClassLoader loader = getClass().getClassLoader();
            ImportCandidates.load(AutoConfiguration.class, loader).forEach(candidate -> {
                if (candidate.startsWith(TraceContexts.class.getPackageName() + ".")) {
                    classes.add(ClassUtils.resolveClassName(candidate, loader));
                }
            });
            return Arrays.stream(Configurations.getClasses(AutoConfigurations.of(classes.toArray(Class<?>[]::new))))
                    .map(Class::getName)
                    .toArray(String[]::new);
        }
    }
}
