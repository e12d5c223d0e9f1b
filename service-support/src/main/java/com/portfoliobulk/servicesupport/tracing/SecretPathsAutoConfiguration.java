package com.portfoliobulk.servicesupport.tracing;

import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationFilter;
import io.micrometer.observation.transport.RequestReplyReceiverContext;
import io.micrometer.observation.transport.RequestReplySenderContext;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * No invitation token in the traces ({@link SecretPaths}). Spring observes every HTTP request a
 * service answers and every call its HTTP clients make, and puts the request's path (the server's
 * {@code http.url}) or its whole URL (the client's) among the observation's high-cardinality key
 * values: never in a metric, but a tag of the request's span, exported with every trace that is
 * sampled (to Jaeger in docker-compose, where Grafana shows it). Before an HTTP observation is handed
 * to the tracing handler, which tags its span when it stops, this filter replaces the token in each
 * of its key values and in its name with {@value SecretPaths#TOKEN}; the {@code uri} tag already has
 * the path template there.
 *
 * <p>Only HTTP exchanges are looked at (server and client observations are the request-reply ones):
 * the token travels in no other, and the services' many other observations (JDBC statements, Kafka
 * records) stop untouched.
 */
@AutoConfiguration
@ConditionalOnClass(ObservationFilter.class)
public final class SecretPathsAutoConfiguration {

    @Bean
    ObservationFilter invitationTokensRedacted() {
        return SecretPathsAutoConfiguration::redact;
    }

    static Observation.Context redact(Observation.Context context) {
        if (!(context instanceof RequestReplyReceiverContext<?, ?>)
                && !(context instanceof RequestReplySenderContext<?, ?>)) {
            return context;
        }
        for (KeyValue keyValue : context.getLowCardinalityKeyValues()) {
            String redacted = SecretPaths.redact(keyValue.getValue());
            if (!redacted.equals(keyValue.getValue())) {
                context.addLowCardinalityKeyValue(KeyValue.of(keyValue.getKey(), redacted));
            }
        }
        for (KeyValue keyValue : context.getHighCardinalityKeyValues()) {
            String redacted = SecretPaths.redact(keyValue.getValue());
            if (!redacted.equals(keyValue.getValue())) {
                context.addHighCardinalityKeyValue(KeyValue.of(keyValue.getKey(), redacted));
            }
        }
        if (context.getContextualName() != null) {
            context.setContextualName(SecretPaths.redact(context.getContextualName()));
        }
        return context;
    }
}
