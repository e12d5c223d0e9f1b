package com.portfoliobulk.gateway.relay;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/**
 * Whether the broker answers this gateway now: one request of Kafka's admin API (the cluster's
 * description), which takes a round trip to a broker over the addresses and settings the relay's
 * producer uses. The relay asks it before it takes the relay's lock for the first time and after a
 * failed pass ({@link TaskRelayLoop}), so that a gateway the broker does not answer (a network cut, a
 * wrong address or credentials) leaves the relay to the gateways it answers, instead of holding the
 * lock for passes that fail only after the producer's timeouts.
 */
@Component
@ConditionalOnBooleanProperty(name = "bulk.gateway.relay.enabled", matchIfMissing = true)
class BrokerProbe implements DisposableBean {

    /** How long the probe waits for the broker's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Map<String, Object> config;

    private Admin admin;

    BrokerProbe(KafkaAdmin kafkaAdmin) {
        Map<String, Object> config = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        this.config = Map.copyOf(config);
    }

    /** Whether a broker answered within {@link #TIMEOUT}. */
    synchronized boolean answers() {
        try {
            if (admin == null) {
                admin = Admin.create(config);
            }
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                    .clusterId()
                    .get(TIMEOUT.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | KafkaException ex) {
            return false;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
