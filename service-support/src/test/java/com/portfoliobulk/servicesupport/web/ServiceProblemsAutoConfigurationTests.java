package com.portfoliobulk.servicesupport.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.testsupport.LogLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.catalina.connector.ClientAbortException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ServiceProblemsAutoConfigurationTests {

    /** The logger of a client that went away while it was answered. */
    private static final String DISCONNECTED_CLIENTS = "com.portfoliobulk.servicesupport.web.DisconnectedClients";

    private final WebApplicationContextRunner service = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ServiceProblemsAutoConfiguration.class))
            .withUserConfiguration(Mvc.class);

    @Test
    void aServiceWithoutAProblemAdviceOfItsOwnAnswersWithTheSharedOne() {
        service.run(context -> assertThat(context).hasSingleBean(ServiceProblems.class));
    }

    @Test
    void aServiceWithAProblemAdviceOfItsOwnKeepsItAlone() {
        // As the api-gateway, whose ProblemAdvice is a ResponseEntityExceptionHandler.
        service.withUserConfiguration(OwnProblemAdvice.class).run(context -> {
            assertThat(context).doesNotHaveBean(ServiceProblems.class);
            assertThat(context).hasSingleBean(ResponseEntityExceptionHandler.class);
        });
    }

    @Test
    void anUnexpectedErrorIsA500NamingOnlyAnErrorId() {
        service.run(context -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();

            MockHttpServletResponse response =
                    mvc.perform(get("/fails")).andReturn().getResponse();

            assertThat(response.getStatus()).isEqualTo(500);
            assertThat(response.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            String body = response.getContentAsString();
            JsonNode problem = JsonMapper.builder().build().readTree(body);
            assertThat(problem.path("type").asString()).isEqualTo(ProblemTypes.INTERNAL_ERROR.toString());
            assertThat(problem.path("status").asInt()).isEqualTo(500);
            String errorId = problem.path("errorId").asString();
            assertThat(errorId).isNotBlank();
            assertThat(problem.path("detail").asString()).contains(errorId);
            assertThat(body).doesNotContain("SELECT", "secret", "IllegalStateException", "at com.");
        });
    }

    /**
     * A dependency that is unavailable (the broker did not acknowledge a record, the database refuses
     * connections) is a 503 with {@code Retry-After} of the product's type {@code unavailable}, logged as
     * one line at WARN without a stack trace, as the api-gateway answers an outage; a record the broker
     * refuses for good stays an unexpected error.
     */
    @Test
    void anUnavailableDependencyIsA503WithRetryAfterAndOneWarningNotAnUnexpectedError() {
        service.run(context -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
            MockHttpServletResponse broker;
            MockHttpServletResponse database;
            MockHttpServletResponse tooLarge;
            List<ILoggingEvent> lines;
            try (LogLines log = LogLines.of(ServiceProblems.class.getName())) {
                broker = mvc.perform(get("/broker-down")).andReturn().getResponse();
                database = mvc.perform(get("/database-down")).andReturn().getResponse();
                tooLarge = mvc.perform(get("/record-too-large")).andReturn().getResponse();
                lines = log.lines();
            }

            for (MockHttpServletResponse response : List.of(broker, database)) {
                assertThat(response.getStatus()).isEqualTo(503);
                assertThat(response.getHeader(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
                assertThat(response.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
                JsonNode problem = JsonMapper.builder().build().readTree(response.getContentAsString());
                assertThat(problem.path("type").asString()).isEqualTo(ProblemTypes.UNAVAILABLE.toString());
                assertThat(problem.path("title").asString()).isEqualTo("Service unavailable");
                assertThat(problem.path("status").asInt()).isEqualTo(503);
                assertThat(problem.has("errorId")).isFalse();
            }
            assertThat(broker.getContentAsString()).contains("message broker is unavailable");
            assertThat(database.getContentAsString()).contains("database is unavailable");
            assertThat(tooLarge.getStatus()).isEqualTo(500);
            assertThat(lines).hasSize(3);
            assertThat(lines.subList(0, 2)).allSatisfy(line -> {
                assertThat(line.getLevel()).isEqualTo(Level.WARN);
                assertThat(line.getFormattedMessage()).startsWith("Answering 503: the ");
                assertThat(line.getThrowableProxy()).isNull();
            });
            assertThat(lines.get(0).getFormattedMessage())
                    .contains("GET /broker-down", "Topic portfolio.bulk-tasks not present in metadata");
            assertThat(lines.get(1).getFormattedMessage()).contains("GET /database-down", "Connection refused");
            assertThat(lines.get(2).getFormattedMessage()).startsWith("Unexpected error ");
        });
    }

    /**
     * A client that went away while it was answered (the container's failed write to it, Tomcat's
     * {@code ClientAbortException}, or Spring MVC's report of it) is answered nothing and logged as one
     * line at DEBUG: no {@code Unexpected error} with a stack trace, no 500 written into a closed
     * connection.
     */
    @Test
    void aClientThatWentAwayIsAnsweredNothingAndLogsNoError() {
        service.run(context -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
            List<MockHttpServletResponse> responses = new ArrayList<>();
            List<ILoggingEvent> problemLines;
            List<ILoggingEvent> wentAwayLines;
            try (LogLines problems = LogLines.of(ServiceProblems.class.getName());
                    LogLines wentAway = LogLines.of(DISCONNECTED_CLIENTS, Level.DEBUG)) {
                for (String path : List.of("/client-aborted", "/client-aborted-wrapped", "/response-unusable")) {
                    responses.add(mvc.perform(get(path)).andReturn().getResponse());
                }
                problemLines = problems.lines();
                wentAwayLines = wentAway.lines();
            }

            assertThat(responses).allSatisfy(response -> {
                assertThat(response.getStatus()).isNotEqualTo(500);
                assertThat(response.getContentAsString()).isEmpty();
            });
            assertThat(problemLines).isEmpty();
            assertThat(wentAwayLines)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .satisfiesExactly(
                            line -> assertThat(line)
                                    .startsWith(
                                            "GET /client-aborted: the client went away before its answer was written"),
                            line -> assertThat(line).startsWith("GET /client-aborted-wrapped: the client went away"),
                            line -> assertThat(line).startsWith("GET /response-unusable: the client went away"));
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @Import({Failing.class, Dependencies.class, ClientsGone.class})
    static class Mvc {}

    @RestController
    static class Failing {

        @GetMapping("/fails")
        String fails() {
            throw new IllegalStateException("SELECT secret FROM vault");
        }
    }

    /** A service's dependencies failing, as the worker's dead-letter re-drive meets them. */
    @RestController
    static class Dependencies {

        @GetMapping("/broker-down")
        String brokerDown() {
            throw new org.springframework.kafka.KafkaException(
                    "The broker did not acknowledge the re-driven record",
                    new ExecutionException(new org.apache.kafka.common.errors.TimeoutException(
                            "Topic portfolio.bulk-tasks not present in metadata after 10000 ms.")));
        }

        @GetMapping("/database-down")
        String databaseDown() {
            throw new CannotCreateTransactionException(
                    "Could not open JDBC Connection for transaction",
                    new SQLTransientConnectionException(
                            "HikariPool-1 - Connection is not available",
                            "08001",
                            new SQLException("Connection refused", "08001")));
        }

        @GetMapping("/record-too-large")
        String recordTooLarge() {
            throw new org.springframework.kafka.KafkaException(
                    "The broker did not acknowledge the re-driven record",
                    new ExecutionException(new RecordTooLargeException("The message is 2106639 bytes")));
        }
    }

    /** Answers whose client went away while they were written, as the container reports it. */
    @RestController
    static class ClientsGone {

        @GetMapping("/client-aborted")
        String clientAborted() throws IOException {
            throw new ClientAbortException(new IOException("Broken pipe"));
        }

        @GetMapping("/client-aborted-wrapped")
        String clientAbortedWrapped() {
            throw new UncheckedIOException(new ClientAbortException(new IOException("Connection reset by peer")));
        }

        @GetMapping("/response-unusable")
        String responseUnusable() throws IOException {
            throw new AsyncRequestNotUsableException("ServletOutputStream failed to write: Broken pipe");
        }
    }

    @RestControllerAdvice
    static class OwnProblemAdvice extends ResponseEntityExceptionHandler {}
}
