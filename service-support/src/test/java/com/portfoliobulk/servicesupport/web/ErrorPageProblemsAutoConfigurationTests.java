package com.portfoliobulk.servicesupport.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.testsupport.LogLines;
import jakarta.servlet.RequestDispatcher;
import java.io.IOException;
import java.util.List;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.BasicErrorController;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ErrorPageProblemsAutoConfigurationTests {

    private final WebApplicationContextRunner service = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    ErrorPageProblemsAutoConfiguration.class,
                    ServiceProblemsAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class,
                    ErrorMvcAutoConfiguration.class))
            .withUserConfiguration(Mvc.class);

    @Test
    void aServiceWithoutAnErrorControllerOfItsOwnGetsTheProblemErrorPageInsteadOfSpringBoots() {
        service.run(context -> {
            assertThat(context).hasSingleBean(ErrorController.class);
            assertThat(context).hasSingleBean(ProblemErrorPage.class);
            assertThat(context).doesNotHaveBean(BasicErrorController.class);
        });
    }

    @Test
    void aServiceWithAnErrorControllerOfItsOwnKeepsItAlone() {
        // As the api-gateway, whose ProblemErrorController answers its error page.
        service.withUserConfiguration(OwnErrorController.class).run(context -> {
            assertThat(context).hasSingleBean(ErrorController.class);
            assertThat(context).hasSingleBean(OwnErrorController.class);
        });
    }

    @Test
    void anErrorSentWithoutAnExceptionIsTheProblemOfItsStatusForThePathThatFailed() {
        service.run(context -> {
            Answer answer = send(context, errorOf("/internal/uploads", 413, null));

            answer.assertProblem(413, ProblemTypes.TOO_LARGE);
            assertThat(answer.body.path("instance").asString()).isEqualTo("/internal/uploads");
            assertThat(answer.body.path("detail").asString())
                    .isEqualTo("The request cannot be answered: 413 Content Too Large.");
        });
    }

    @Test
    void anExceptionNoExceptionHandlerOfTheServiceAnswersIsStillA500Problem() {
        // A service with a problem advice of its own that answers only Spring MVC's refusals.
        service.withUserConfiguration(OwnProblemAdvice.class).run(context -> {
            Answer answer = send(context, errorOf("/internal/things", 500, new IllegalStateException("SELECT secret")));

            answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
            assertThat(answer.body.path("instance").asString()).isEqualTo("/internal/things");
        });
    }

    /**
     * A bare 500 sent on the worker's acceptance path is logged at ERROR as an unexpected error that
     * names the request: its path with the invitation token left out, as every other line does.
     */
    @Test
    void aBare500OnAnInvitationPathIsLoggedWithoutItsToken() {
        String token = "k3Jd9-secret-invitation-token";
        service.run(context -> {
            Answer answer;
            List<ILoggingEvent> errors;
            try (LogLines log = LogLines.of("com.portfoliobulk.servicesupport.web", Level.ERROR)) {
                answer = send(
                        context,
                        errorOf("/internal/invitations/" + token + "/accept", 500, null)
                                .requestAttr(RequestDispatcher.ERROR_MESSAGE, "no answer for /invitations/" + token));
                errors = log.lines();
            }

            answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
            assertThat(errors).hasSize(1);
            String logged = errors.get(0).getFormattedMessage() + "\n"
                    + ThrowableProxyUtil.asString(errors.get(0).getThrowableProxy());
            assertThat(logged)
                    .contains("Error 500 sent for GET /internal/invitations/{token}/accept: no answer for"
                            + " /invitations/{token}")
                    .doesNotContain(token);
        });
    }

    /**
     * A client that went away while it was answered, whose failed write the container forwards to the
     * error page, is answered nothing and no error is logged, whether or not an exception handler of the
     * service answers it.
     */
    @Test
    void aClientThatWentAwayIsAnsweredNothingByTheErrorPage() {
        ClientAbortException gone = new ClientAbortException(new IOException("Broken pipe"));
        for (WebApplicationContextRunner runner :
                List.of(service, service.withUserConfiguration(OwnProblemAdvice.class))) {
            runner.run(context -> {
                MockHttpServletResponse response;
                List<ILoggingEvent> errors;
                try (LogLines log = LogLines.of("com.portfoliobulk.servicesupport.web", Level.ERROR)) {
                    response = MockMvcBuilders.webAppContextSetup(context)
                            .build()
                            .perform(errorOf("/internal/dead-letters", 500, gone))
                            .andReturn()
                            .getResponse();
                    errors = log.lines();
                }

                assertThat(response.getContentAsString()).isEmpty();
                assertThat(errors).isEmpty();
            });
        }
    }

    private static MockHttpServletRequestBuilder errorOf(String path, int status, Throwable exception) {
        MockHttpServletRequestBuilder request = get("/error")
                .requestAttr(RequestDispatcher.ERROR_STATUS_CODE, status)
                .requestAttr(RequestDispatcher.ERROR_REQUEST_URI, path);
        return exception == null ? request : request.requestAttr(RequestDispatcher.ERROR_EXCEPTION, exception);
    }

    private static Answer send(
            org.springframework.web.context.WebApplicationContext context, MockHttpServletRequestBuilder request)
            throws Exception {
        MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
        MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
        String raw = response.getContentAsString();
        return new Answer(
                response.getStatus(),
                response.getContentType(),
                raw,
                JsonMapper.builder().build().readTree(raw));
    }

    private record Answer(int status, String contentType, String raw, JsonNode body) {

        void assertProblem(int expectedStatus, java.net.URI type) {
            assertThat(status).as(raw).isEqualTo(expectedStatus);
            assertThat(MediaType.parseMediaType(contentType).isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .as(contentType)
                    .isTrue();
            assertThat(body.path("status").asInt()).as(raw).isEqualTo(expectedStatus);
            assertThat(body.path("type").asString()).as(raw).isEqualTo(type.toString());
            assertThat(raw).doesNotContain("Exception", "SELECT", "\"timestamp\"", "\"trace\"");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {}

    @RestController
    static class OwnErrorController implements ErrorController {}

    @RestControllerAdvice
    static class OwnProblemAdvice extends ResponseEntityExceptionHandler {}
}
