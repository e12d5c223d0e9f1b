package com.portfoliobulk.servicesupport.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import com.portfoliobulk.contracts.ProblemTypes;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ServiceProblemsAutoConfigurationTests {

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

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    @Import(Failing.class)
    static class Mvc {}

    @RestController
    static class Failing {

        @GetMapping("/fails")
        String fails() {
            throw new IllegalStateException("SELECT secret FROM vault");
        }
    }

    @RestControllerAdvice
    static class OwnProblemAdvice extends ResponseEntityExceptionHandler {}
}
