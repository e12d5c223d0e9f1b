package com.portfoliobulk.servicesupport.kafka;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * A service's declared topics ({@link NewTopic} beans, see {@link DeclaredTopics}) are created also
 * when the broker did not answer while the service started. Boot's {@code KafkaAdmin} tries once, as
 * the service starts, and only logs its failure; with {@code auto.create.topics.enable=false} on the
 * brokers (as production runs them) and consumers that never create topics, a topic missing then stays
 * missing: the task topic's records, the activity events or the dead letters of a service that started
 * during a broker restart could not be sent until it restarted. Once started, the service asks the
 * broker again (creating what is missing, setting declared configurations) until it has answered once,
 * waiting from 1 s up to {@link #LONGEST_WAIT} between attempts.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnBean(KafkaAdmin.class)
public final class DeclaredTopicsAutoConfiguration {

    /** The longest wait between two attempts. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    @Bean
    DeclaredTopicsCreation declaredTopicsCreation(KafkaAdmin admin) {
        return new DeclaredTopicsCreation(admin);
    }

    /** The background attempts, from the service's start until one succeeds or the service stops. */
    static final class DeclaredTopicsCreation implements SmartLifecycle {

        private static final Logger log = LoggerFactory.getLogger(DeclaredTopicsCreation.class);

        private final KafkaAdmin admin;

        private ScheduledExecutorService attempts;

        private volatile int failed;

        DeclaredTopicsCreation(KafkaAdmin admin) {
            this.admin = admin;
        }

        /** The attempts after the service's start that failed so far. */
        int failedAttempts() {
            return failed;
        }

        @Override
        public synchronized void start() {
            if (attempts == null) {
                attempts = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofVirtual().name("declared-topics").factory());
                attempts.execute(() -> attempt(Duration.ofSeconds(1)));
            }
        }

        private void attempt(Duration nextWait) {
            if (taken()) {
                if (failed > 0) {
                    log.info("The broker took the declared topics after {} failed attempts", failed);
                }
                return;
            }
            failed++;
            Duration after =
                    nextWait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : nextWait.multipliedBy(2);
            synchronized (this) {
                if (attempts != null) {
                    attempts.schedule(() -> attempt(after), nextWait.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        }

        /**
         * One attempt: whether the broker answered and has every declared topic now. {@code KafkaAdmin}
         * answers false only while the service starts; afterwards it throws.
         */
        private boolean taken() {
            try {
                return admin.initialize();
            } catch (RuntimeException refused) {
                if (failed == 0) {
                    log.warn(
                            "The declared topics could not be checked or created ({}); trying again, every {} s at most",
                            refused.getMessage(),
                            LONGEST_WAIT.toSeconds());
                }
                return false;
            }
        }

        @Override
        public synchronized void stop() {
            if (attempts != null) {
                attempts.shutdownNow();
                attempts = null;
            }
        }

        @Override
        public synchronized boolean isRunning() {
            return attempts != null;
        }
    }
}
