package com.portfoliobulk.servicesupport.tracing;

import io.micrometer.observation.ObservationRegistry;
import java.util.EnumSet;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import net.ttddyy.dsproxy.support.ProxyDataSourceBuilder;
import net.ttddyy.observation.tracing.DataSourceObservationListener;
import net.ttddyy.observation.tracing.JdbcObservationDocumentation;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * JDBC in the traces: every connection taken from the pool ({@code jdbc.connection}) and every
 * statement ({@code jdbc.query}, with its SQL, never its parameter values) is a Micrometer observation,
 * so a span of the trace it runs in, through a datasource-proxy wrapper around the pool. Result-set
 * reads are not observed (one span per row fetch would outweigh the work). Off with
 * {@code bulk.tracing.jdbc.enabled=false} ({@code BULK_TRACING_JDBC_ENABLED}), e.g. when the spans of
 * the bulk statements cost more than they tell.
 */
@AutoConfiguration
@ConditionalOnClass({DataSource.class, ProxyDataSourceBuilder.class, DataSourceObservationListener.class})
@ConditionalOnBooleanProperty(name = "bulk.tracing.jdbc.enabled", matchIfMissing = true)
public final class JdbcObservationAutoConfiguration {

    @Bean
    static BeanPostProcessor jdbcObservingDataSource(ObjectProvider<ObservationRegistry> registry) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (!(bean instanceof DataSource dataSource) || bean instanceof ProxyDataSource) {
                    return bean;
                }
                DataSourceObservationListener listener = new DataSourceObservationListener(
                        () -> registry.getIfAvailable(() -> ObservationRegistry.NOOP));
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
}
