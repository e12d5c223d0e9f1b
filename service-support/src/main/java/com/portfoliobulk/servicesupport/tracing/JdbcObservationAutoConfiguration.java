package com.portfoliobulk.servicesupport.tracing;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationPredicate;
import io.micrometer.observation.ObservationRegistry;
import java.util.EnumSet;
import java.util.function.Supplier;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;
import net.ttddyy.observation.tracing.DataSourceObservationListener;
import net.ttddyy.observation.tracing.JdbcObservationDocumentation;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * JDBC in the traces: every connection taken from the pool ({@code jdbc.connection}) and every
 * statement ({@code jdbc.query}, with its SQL, never its parameter values) made while an observation
 * is current (an HTTP request, a traced listener or call) is a Micrometer observation, so a span of the
 * trace it runs in, through a datasource-proxy wrapper around the pool. Result-set reads are not
 * observed (one span per row fetch would outweigh the work).
 *
 * <p>Statements made outside any observation (the worker's and the audit-consumer's batch
 * transactions, the relay's passes, scheduled sweeps, whose runs the services do not observe) would
 * each start a trace of their own, with nothing to join: they are observed only with {@code
 * bulk.tracing.jdbc.outside-traces=true} ({@code BULK_TRACING_JDBC_OUTSIDE_TRACES}); observing them
 * cost about a tenth of the CPU of a large job. Everything off with {@code
 * bulk.tracing.jdbc.enabled=false} ({@code BULK_TRACING_JDBC_ENABLED}).
 */
@AutoConfiguration
@ConditionalOnClass({DataSource.class, ProxyDataSourceBuilder.class, DataSourceObservationListener.class})
@ConditionalOnBooleanProperty(name = "bulk.tracing.jdbc.enabled", matchIfMissing = true)
public final class JdbcObservationAutoConfiguration {

    /** The name prefix of the datasource-proxy observations ({@code jdbc.connection}, {@code jdbc.query}, ...). */
    static final String JDBC_OBSERVATIONS = "jdbc.";

    /** JDBC observations only inside another observation, unless {@code bulk.tracing.jdbc.outside-traces}. */
    @Bean
    static ObservationPredicate jdbcObservationsInsideTraces(
            ObjectProvider<ObservationRegistry> registry,
            @Value("${bulk.tracing.jdbc.outside-traces:false}") boolean outsideTraces) {
        Registry observations = new Registry(registry);
        return (name, context) -> outsideTraces
                || name == null
                || !name.startsWith(JDBC_OBSERVATIONS)
                || insideAnObservation(observations.get());
    }

    /**
     * Whether an observation that is recorded is current, or one a disabled observation runs in. A
     * disabled observation (a scheduled run's, {@code tasks.scheduled.execution}, or Spring Security's)
     * still makes itself current, as a no-op: it is no trace, and a scheduled run in nothing else runs
     * in none.
     */
    static boolean insideAnObservation(ObservationRegistry registry) {
        for (Observation.Scope scope = registry.getCurrentObservationScope();
                scope != null;
                scope = scope.getPreviousObservationScope()) {
            Observation current = scope.getCurrentObservation();
            if (current != null && !current.isNoop()) {
                return true;
            }
        }
        return false;
    }

    @Bean
    static BeanPostProcessor jdbcObservingDataSource(ObjectProvider<ObservationRegistry> registry) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (!(bean instanceof DataSource dataSource) || bean instanceof ProxyDataSource) {
                    return bean;
                }
                DataSourceObservationListener listener = new DataSourceObservationListener(new Registry(registry));
                listener.setSupportedTypes(
                        EnumSet.of(JdbcObservationDocumentation.CONNECTION, JdbcObservationDocumentation.QUERY));
                listener.setIncludeParameterValues(false);
                return ProxyDataSourceBuilder.create(dataSource)
                        .name(beanName)
                        .listener(listener)
                        .methodListener(listener)
                        .build();
            }
        };
    }

    /**
     * The observation registry, looked up once it exists: the listener asks for it at every statement
     * and connection, and a bean factory lookup each time cost about a third of the observation's CPU.
     */
    private static final class Registry implements Supplier<ObservationRegistry> {

        private final ObjectProvider<ObservationRegistry> provider;

        private volatile ObservationRegistry registry;

        Registry(ObjectProvider<ObservationRegistry> provider) {
            this.provider = provider;
        }

        @Override
        public ObservationRegistry get() {
            ObservationRegistry found = registry;
            if (found == null) {
                found = provider.getIfAvailable();
                if (found == null) {
                    return ObservationRegistry.NOOP;
                }
                registry = found;
            }
            return found;
        }
    }
}
