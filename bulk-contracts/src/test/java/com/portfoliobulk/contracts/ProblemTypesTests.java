package com.portfoliobulk.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class ProblemTypesTests {

    @Test
    void aStatusWithoutAProductTypeGetsTheTypeOfItsKind() {
        assertThat(ProblemTypes.forStatus(400)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.forStatus(405)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.forStatus(404)).isEqualTo(ProblemTypes.NOT_FOUND);
        assertThat(ProblemTypes.forStatus(503)).isEqualTo(ProblemTypes.UNAVAILABLE);
        assertThat(ProblemTypes.forStatus(500)).isEqualTo(ProblemTypes.INTERNAL_ERROR);
        assertThat(ProblemTypes.forStatus(501)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.INVALID_REQUEST).hasToString("urn:portfolio-bulk:problem:invalid-request");
    }

    @Test
    void aProductTypeIsKeptAndABlankOneReplaced() {
        assertThat(ProblemTypes.orForStatus(ProblemTypes.GONE, 404)).isEqualTo(ProblemTypes.GONE);
        assertThat(ProblemTypes.orForStatus(URI.create("about:blank"), 415)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.orForStatus(null, 404)).isEqualTo(ProblemTypes.NOT_FOUND);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aProblemAsJsonTextEscapesWhatJsonMustAndLeavesOutAMissingInstance() {
        JsonMapper json = JsonMapper.builder().build();
        String detail = "a \"quoted\" back\\slash,\ta tab and a line\nend";

        Map<String, Object> problem =
                json.readValue(ProblemTypes.json(401, "Unauthorized", detail, "/p\"q\u0001"), Map.class);
        Map<String, Object> withoutInstance =
                json.readValue(ProblemTypes.json(503, "Service Unavailable", "x", null), Map.class);

        assertThat(problem)
                .containsEntry("type", ProblemTypes.UNAUTHORIZED.toString())
                .containsEntry("title", "Unauthorized")
                .containsEntry("status", 401)
                .containsEntry("detail", detail)
                .containsEntry("instance", "/p\"q\u0001");
        assertThat(withoutInstance)
                .containsEntry("type", ProblemTypes.UNAVAILABLE.toString())
                .doesNotContainKey("instance");
    }
}
