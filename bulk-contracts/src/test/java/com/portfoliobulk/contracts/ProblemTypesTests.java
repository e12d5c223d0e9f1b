package com.portfoliobulk.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ProblemTypesTests {

    @Test
    void aStatusWithoutAProductTypeGetsTheTypeOfItsKind() {
        assertThat(ProblemTypes.forStatus(400)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.forStatus(405)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.forStatus(404)).isEqualTo(ProblemTypes.NOT_FOUND);
        assertThat(ProblemTypes.forStatus(503)).isEqualTo(ProblemTypes.UNAVAILABLE);
        assertThat(ProblemTypes.forStatus(500)).isEqualTo(ProblemTypes.INTERNAL_ERROR);
        assertThat(ProblemTypes.INVALID_REQUEST).hasToString("urn:portfolio-bulk:problem:invalid-request");
    }

    @Test
    void aProductTypeIsKeptAndABlankOneReplaced() {
        assertThat(ProblemTypes.orForStatus(ProblemTypes.GONE, 404)).isEqualTo(ProblemTypes.GONE);
        assertThat(ProblemTypes.orForStatus(URI.create("about:blank"), 415)).isEqualTo(ProblemTypes.INVALID_REQUEST);
        assertThat(ProblemTypes.orForStatus(null, 404)).isEqualTo(ProblemTypes.NOT_FOUND);
    }
}
