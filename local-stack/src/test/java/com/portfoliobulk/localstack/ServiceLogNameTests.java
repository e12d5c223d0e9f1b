package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The three services in one JVM share one logging system: each line still names the service whose
 * start made its thread, also on the threads those threads make later, not the first service's.
 */
class ServiceLogNameTests {

    private final PatternLayout layout = layout();

    @Test
    void eachServicesThreadsLogUnderItsNameAndTheLocalStacksOwnUnderLocalStack() throws Exception {
        List<String> names = List.of("audit-consumer", "bulk-worker", "api-gateway");
        List<ExecutorService> services = new ArrayList<>();
        for (String name : names) {
            services.add(ServiceLogName.starting(name, () -> {
                ExecutorService service = Executors.newSingleThreadExecutor();
                // Its thread is made while the service starts.
                service.submit(() -> {});
                return service;
            }));
        }
        try {
            for (int i = 0; i < names.size(); i++) {
                // Once started, the service's thread makes a thread of its own that logs.
                String line = services.get(i)
                        .submit(() -> {
                            AtomicReference<String> logged = new AtomicReference<>();
                            Thread.ofVirtual().start(() -> logged.set(line())).join();
                            return logged.get();
                        })
                        .get();
                assertThat(line).isEqualTo("[" + names.get(i) + "] a line");
            }
            assertThat(line()).isEqualTo("[local-stack] a line");
            assertThat(ServiceLogName.starting("api-gateway", this::line)).isEqualTo("[api-gateway] a line");
            assertThat(line()).isEqualTo("[local-stack] a line");
        } finally {
            services.forEach(ExecutorService::shutdownNow);
        }
    }

    private String line() {
        LoggingEvent event = new LoggingEvent(
                ServiceLogNameTests.class.getName(),
                (ch.qos.logback.classic.Logger) layout.getContext().getObject("logger"),
                Level.INFO,
                "a line",
                null,
                null);
        return layout.doLayout(event);
    }

    private static PatternLayout layout() {
        ServiceLogName.register();
        LoggerContext context = new LoggerContext();
        context.putObject("logger", context.getLogger("test"));
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("%" + ServiceLogName.WORD + "%m");
        layout.start();
        return layout;
    }
}
