package com.portfoliobulk.localstack;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.function.Supplier;

/**
 * The {@code %service} of the local stack's log pattern: the name of the service a line comes from,
 * in brackets, when the three services share this JVM and its one logging system. A service's name
 * cannot come from its configuration there (the first service to start would name every line), so
 * it is the service whose start made the logging thread: a thread inherits it from the thread that
 * started it, and each service starts on a thread that carries its name. The local stack's own lines
 * (PostgreSQL, Kafka, seeding) read {@value #OWN}.
 */
public final class ServiceLogName extends ClassicConverter {

    /** The conversion word in the log pattern. */
    static final String WORD = "service";

    /** The name of the lines of no service. */
    static final String OWN = "local-stack";

    private static final InheritableThreadLocal<String> SERVICE = new InheritableThreadLocal<>();

    /** Makes {@code %service} known to the log patterns configured from now on. */
    static void register() {
        PatternLayout.DEFAULT_CONVERTER_SUPPLIER_MAP.putIfAbsent(WORD, ServiceLogName::new);
    }

    /**
     * Starts the service {@code name} on this thread, so that it and every thread started meanwhile
     * (and the threads those start) log under its name.
     */
    static <T> T starting(String name, Supplier<T> start) {
        String previous = SERVICE.get();
        SERVICE.set(name);
        try {
            return start.get();
        } finally {
            if (previous == null) {
                SERVICE.remove();
            } else {
                SERVICE.set(previous);
            }
        }
    }

    @Override
    public String convert(ILoggingEvent event) {
        String service = SERVICE.get();
        return "[" + (service == null ? OWN : service) + "] ";
    }
}
