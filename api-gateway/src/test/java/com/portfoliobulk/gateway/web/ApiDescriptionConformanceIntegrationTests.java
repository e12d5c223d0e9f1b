package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.support.ApiDescriptionConformance;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * The check every HTTP test's answers go through: answers that drift from the served description
 * fail it, so the description stays exact.
 */
class ApiDescriptionConformanceIntegrationTests extends GatewayIntegrationTest {

    private final ApiDescriptionConformance conformance = ApiDescriptionConformance.INSTANCE;

    @Test
    void anAnswerAsDescribedPasses() {
        assertThatCode(() -> check("/tasks", HttpStatus.OK, "application/json", "{\"items\":[],\"nextCursor\":null}"))
                .doesNotThrowAnyException();
        assertThatCode(() -> check("/tasks", HttpStatus.OK, "text/csv", "taskId\r\n"))
                .doesNotThrowAnyException();
        assertThatCode(() -> check("", HttpStatus.NOT_MODIFIED, null, "")).doesNotThrowAnyException();
        assertThatCode(() -> check(
                        "",
                        HttpStatus.NOT_FOUND,
                        "application/problem+json",
                        "{\"type\":\"urn:portfolio-bulk:problem:not-found\",\"title\":\"Not found\",\"status\":404,"
                                + "\"detail\":\"x\",\"instance\":\"/api/v1/x\"}"))
                .doesNotThrowAnyException();
    }

    @Test
    void aPageWithoutItsNextCursorFails() {
        assertThatThrownBy(() -> check("/tasks", HttpStatus.OK, "application/json", "{\"items\":[]}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("nextCursor");
    }

    @Test
    void aValueOfTheWrongTypeFails() {
        assertThatThrownBy(() -> check("", HttpStatus.OK, "application/json", "{\"jobId\":5}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("does not allow");
    }

    @Test
    void aStatusOrMediaTypeTheDescriptionDoesNotHaveFails() {
        assertThatThrownBy(() -> check("", HttpStatus.I_AM_A_TEAPOT, "application/json", "{}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("418");
        assertThatThrownBy(() -> check("", HttpStatus.OK, "text/html", "<html/>"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("text/html");
        assertThatThrownBy(() -> check("", HttpStatus.NOT_FOUND, "application/problem+json", "{\"type\":1}"))
                .isInstanceOf(AssertionError.class);
    }

    private void check(String suffix, HttpStatus status, String contentType, String body) {
        URI job = URI.create("http://localhost:" + port + "/api/v1/portfolios/" + UUID.randomUUID() + "/bulk-jobs/"
                + UUID.randomUUID() + suffix);
        HttpHeaders headers = new HttpHeaders();
        if (contentType != null) {
            headers.setContentType(MediaType.parseMediaType(contentType));
        }
        conformance.check(job, "GET", status, headers, body.getBytes(StandardCharsets.UTF_8));
    }
}
