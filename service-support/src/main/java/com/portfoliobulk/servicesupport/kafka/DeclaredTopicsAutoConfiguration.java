package com.portfoliobulk.servicesupport.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * A service's declared topics ({@link NewTopic} beans, see {@link DeclaredTopics}) exist while it runs,
 * as declared, on brokers that create no topic by themselves ({@code auto.create.topics.enable=false},
 * as production runs them, and consumers that never create topics).
 *
 * <p>Also when the broker did not answer while the service started: Boot's {@code KafkaAdmin} tries
 * once, as the service starts, and only logs its failure, so a topic missing then stayed missing (the
 * task topic's records, the activity events or the dead letters of a service that started during a
 * broker restart could not be sent until it restarted). Once started, the service asks the broker
 * again (creating what is missing, setting declared configurations) until it has answered once,
 * waiting from 1 s up to {@link #LONGEST_WAIT} between attempts.
 *
 * <p>And when a declared topic is deleted while the service runs (an operator purges it, the cluster
 * or its volume is replaced): a send to it through the service's producers then fails, as if the topic
 * were missing ({@code UnknownTopicOrPartitionException} or {@code UnknownTopicIdException}, or a
 * timeout: the producer's "Topic ... not present in metadata" after {@code max.block.ms}, or its records
 * expiring after the delivery timeout, which a broker that does not answer gives too). Such a failure
 * makes the service look, at most every {@link #CHECK_INTERVAL}, which declared topics the broker
 * lacks, and create those again with their declared settings (partitions, replicas and configurations:
 * {@code min.insync.replicas}, the task topic's retention), with one warning per topic. The sends
 * failed meanwhile fail as before (their batch is sent or delivered again), and the next ones reach the
 * topic. Before, every later send failed the same way until the service restarted.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnBean(KafkaAdmin.class)
public final class DeclaredTopicsAutoConfiguration {

    /** The longest wait between two attempts. */
    static final Duration LONGEST_WAIT = Duration.ofSeconds(30);

    /** The shortest time between two checks for missing topics after failed sends. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

    /** How long a check's admin client may take to close. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

    @Bean
    DeclaredTopicsCreation declaredTopicsCreation(KafkaAdmin admin, ObjectProvider<NewTopic> topics) {
        return new DeclaredTopicsCreation(admin, () -> topics.orderedStream().toList());
    }

    /**
     * Every producer of Boot's factory (the services' templates, and those made from it with other
     * settings) tells {@link DeclaredTopicsCreation} of its failed sends ({@link SendFailures}).
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer declaredTopicsSendFailures(DeclaredTopicsCreation creation) {
        return factory -> {
            Object configured = factory.getConfigurationProperties().get(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG);
            List<Object> interceptors = new ArrayList<>();
            if (configured instanceof Collection<?> classes) {
                interceptors.addAll(classes);
            } else if (configured instanceof String names && !names.isBlank()) {
                interceptors.addAll(List.of(names.split("\\s*,\\s*")));
            } else if (configured instanceof Class<?> type) {
                interceptors.add(type);
            }
            interceptors.add(SendFailures.class);
            factory.updateConfigs(Map.of(
                    ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, interceptors, SendFailures.CREATION_CONFIG, creation));
        };
    }

    /** The declared topics ({@link NewTopic} beans), read as the service starts. */
    @FunctionalInterface
    interface Declared {

        Collection<NewTopic> topics();
    }

    /**
     * The attempts from the service's start until one succeeds, and the checks for missing topics after
     * failed sends, until the service stops.
     */
    static final class DeclaredTopicsCreation implements SmartLifecycle {

        private static final Logger log = LoggerFactory.getLogger(DeclaredTopicsCreation.class);

        private final KafkaAdmin admin;

        private final Declared declared;

        private volatile Map<String, NewTopic> topics = Map.of();

        private ScheduledExecutorService attempts;

        private volatile int failed;

        /** Whether a check is scheduled and has not ended. */
        private boolean checkPending;

        /** When ({@link System#nanoTime}) the last check ended. */
        private long lastCheck;

        /** Whether the last check failed (its warning is written once until one succeeds). */
        private boolean checkFailed;

        DeclaredTopicsCreation(KafkaAdmin admin, Declared declared) {
            this.admin = admin;
            this.declared = declared;
        }

        /** The attempts after the service's start that failed so far. */
        int failedAttempts() {
            return failed;
        }

        @Override
        public synchronized void start() {
            if (attempts == null) {
                Map<String, NewTopic> byName = new LinkedHashMap<>();
                declared.topics().forEach(topic -> byName.put(topic.name(), topic));
                topics = Map.copyOf(byName);
                lastCheck = System.nanoTime() - CHECK_INTERVAL.toNanos();
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

        /**
         * A send to {@code topic} failed with {@code failure}: when the topic is a declared one and the
         * failure says it may be missing, a check for missing declared topics is scheduled, at the
         * earliest {@link #CHECK_INTERVAL} after the last one ended. Called on the producer's threads:
         * returns at once.
         */
        void sendFailed(String topic, Exception failure) {
            if (!topics.containsKey(topic) || !missingTopic(failure)) {
                return;
            }
            synchronized (this) {
                if (attempts == null || checkPending) {
                    return;
                }
                checkPending = true;
                long wait = Math.max(0, lastCheck + CHECK_INTERVAL.toNanos() - System.nanoTime());
                attempts.schedule(this::check, wait, TimeUnit.NANOSECONDS);
            }
        }

        /**
         * Whether the failure may mean a missing topic: the producer's unknown topic (by name or by id), or
         * a timeout ("not present in metadata" after {@code max.block.ms}, or "Expiring N record(s)" once
         * the delivery timeout passed). Which of these a deleted topic gives depends on what the producer's
         * metadata still holds of it (a producer that knew the topic's id retries {@code UNKNOWN_TOPIC_ID}
         * until its records expire), so all of them lead to a check, which asks the broker.
         */
        static boolean missingTopic(Throwable failure) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                if (cause instanceof UnknownTopicOrPartitionException
                        || cause instanceof UnknownTopicIdException
                        || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                    return true;
                }
            }
            return false;
        }

        /** Creates the declared topics the broker lacks, with their declared settings. */
        private void check() {
            try {
                List<NewTopic> missing = missing();
                if (!missing.isEmpty()) {
                    admin.createOrModifyTopics(missing.toArray(NewTopic[]::new));
                    for (NewTopic topic : missing) {
                        log.warn(
                                "The declared topic {} was missing from the broker (deleted while this service ran):"
                                        + " created it again as declared, {}",
                                topic.name(),
                                settings(topic));
                    }
                }
                checkFailed = false;
            } catch (RuntimeException | ExecutionException | TimeoutException ex) {
                if (!checkFailed) {
                    log.warn(
                            "Sends to a declared topic failed as if it were missing, and the declared topics could not"
                                    + " be checked or created ({}); checking again after the next such failure",
                            ex.toString());
                } else {
                    log.debug("The declared topics could not be checked again: {}", ex.toString());
                }
                checkFailed = true;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            } finally {
                synchronized (this) {
                    lastCheck = System.nanoTime();
                    checkPending = false;
                }
            }
        }

        private List<NewTopic> missing() throws ExecutionException, TimeoutException, InterruptedException {
            Admin client = Admin.create(admin.getConfigurationProperties());
            try {
                Set<String> existing = client.listTopics().names().get(admin.getOperationTimeout(), TimeUnit.SECONDS);
                return topics.values().stream()
                        .filter(topic -> !existing.contains(topic.name()))
                        .toList();
            } finally {
                // Not waiting for a call the broker left unanswered.
                client.close(CLOSE_TIMEOUT);
            }
        }

        /** The declared settings of {@code topic}, for the log. */
        private static String settings(NewTopic topic) {
            StringBuilder settings = new StringBuilder();
            settings.append(topic.numPartitions() < 0 ? "the broker's default number of" : topic.numPartitions())
                    .append(" partitions, replication factor ")
                    .append(topic.replicationFactor() < 0 ? "the broker's default" : topic.replicationFactor());
            if (topic.configs() != null) {
                new TreeMap<>(topic.configs())
                        .forEach((name, value) ->
                                settings.append(", ").append(name).append('=').append(value));
            }
            return settings.toString();
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

    /**
     * Tells {@link DeclaredTopicsCreation} (set in the producer's settings as {@link #CREATION_CONFIG})
     * of each record the producer failed to send: at once, before the record left the producer
     * (its topic's metadata not there after {@code max.block.ms}), or when the broker did not take it.
     */
    public static final class SendFailures implements ProducerInterceptor<Object, Object> {

        /** The producer setting that carries the {@link DeclaredTopicsCreation}. */
        static final String CREATION_CONFIG = "portfoliobulk.declared-topics";

        private DeclaredTopicsCreation creation;

        @Override
        public void configure(Map<String, ?> configs) {
            if (configs.get(CREATION_CONFIG) instanceof DeclaredTopicsCreation declared) {
                creation = declared;
            }
        }

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            if (exception != null && metadata != null && creation != null) {
                creation.sendFailed(metadata.topic(), exception);
            }
        }

        @Override
        public void close() {}
    }
}
