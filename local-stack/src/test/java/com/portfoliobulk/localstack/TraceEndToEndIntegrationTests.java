package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

/**
 * One trace from submission to activity event: a client's {@code traceparent} is continued by the
 * gateway, stored with the job, carried by the relay in every task record's headers and by the worker
 * in every activity event's headers, for the audit-consumer.
 */
class TraceEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    @Test
    void theSubmissionsTraceTravelsWithTheJobItsTasksAndTheirActivityEvents() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UUID adminId = UUID.randomUUID();
        String token = TestTokens.token(adminId, "admin-" + adminId + "@agency.example", portfolio.id(), "OWNER");
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        String traceId = hex(16);
        String traceParent = "00-" + traceId + "-" + hex(8) + "-01";

        String answer = RestClient.create()
                .post()
                .uri(URI.create(stack.gatewayUrl() + "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs"))
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    headers.set("Idempotency-Key", UUID.randomUUID().toString());
                    headers.set("traceparent", traceParent);
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body("{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"" + ann.userId() + "\"],\"accountIds\":[\""
                        + portfolio.account(0) + "\",\"" + portfolio.account(1) + "\"]}")
                .retrieve()
                .body(String.class);
        UUID job = UUID.fromString(GatewayClient.json(answer).get("jobId").asString());
        new GatewayClient(stack.gatewayUrl(), token, portfolio.id()).awaitTerminal(job);

        String stored = JdbcClient.create(TestStack.database())
                .sql("SELECT trace_parent FROM jobs.bulk_jobs WHERE id = :id")
                .param("id", job)
                .query(String.class)
                .single();
        assertThat(stored).as("the job's trace context").startsWith("00-" + traceId + "-");

        List<String> taskTraces = traceIdsOfRecordsAbout(Topics.BULK_TASKS, job, 2);
        assertThat(taskTraces).as("the task records' trace").hasSize(2).containsOnly(traceId);
        List<String> eventTraces = traceIdsOfRecordsAbout(Topics.ACCOUNT_ACTIVITY, job, 2);
        assertThat(eventTraces).as("the activity events' trace").hasSize(2).containsOnly(traceId);
    }

    /** The trace ids in the {@code traceparent} headers of the topic's records that name the job. */
    private static List<String> traceIdsOfRecordsAbout(String topic, UUID job, int expected) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> traceIds = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && record.value().contains(job.toString())) {
                        Header header = record.headers().lastHeader("traceparent");
                        traceIds.add(
                                header == null
                                        ? "none"
                                        : new String(header.value(), StandardCharsets.UTF_8).split("-")[1]);
                    }
                }
                return traceIds.size() >= expected;
            });
        }
        return traceIds;
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        random[0] |= 1;
        return HexFormat.of().formatHex(random);
    }
}
