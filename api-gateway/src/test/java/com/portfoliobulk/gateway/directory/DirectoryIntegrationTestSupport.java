package com.portfoliobulk.gateway.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.directory.DirectoryCalls.Answer;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The running gateway, a directory fixture and tokens for the directory's integration tests. */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + GatewayApplication.CONFIG_NAME)
abstract class DirectoryIntegrationTestSupport {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    DirectorySeed directory;

    DirectoryCalls api;

    @BeforeEach
    void connect() {
        directory = new DirectorySeed(jdbc);
        api = new DirectoryCalls(port);
    }

    /** A token of a portfolio user who may only read (User Management VIEW). */
    static String viewer(UUID portfolioId) {
        return TestTokens.token(UUID.randomUUID(), "viewer@agency.test", portfolioId, "USER_MANAGEMENT_VIEW");
    }

    /** A token of someone with permissions on another portfolio only. */
    static String outsider() {
        return TestTokens.token(UUID.randomUUID(), "outsider@agency.test", UUID.randomUUID(), "OWNER");
    }

    /** Asserts a 400 problem whose {@code errors} names {@code parameter}. */
    static void assertInvalidParameter(Answer answer, String parameter) {
        assertProblem(answer, 400);
        assertThat(answer.body().path("errors").values())
                .extracting(error -> error.path("field").asString())
                .containsExactly(parameter);
    }

    static void assertProblem(Answer answer, int status) {
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(answer.body().path("status").asInt()).isEqualTo(status);
        assertThat(answer.body().path("detail").asString()).isNotBlank();
    }
}
