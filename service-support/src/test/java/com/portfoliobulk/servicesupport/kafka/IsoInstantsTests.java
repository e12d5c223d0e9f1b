package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class IsoInstantsTests {

    private final JsonMapper standard = JsonMapper.builder().build();

    private final JsonMapper records = IsoInstants.forRecords(standard);

    @Test
    void readsUtcInstantsWithAnyNumberOfFractionDigitsAsJacksonDoes() {
        for (String text : List.of(
                "2026-11-30T10:27:40Z",
                "2026-11-30T10:27:40.3Z",
                "2026-11-30T10:27:40.385Z",
                "2026-11-30T10:27:40.385734Z",
                "2026-11-30T10:27:40.385734123Z",
                "2024-02-29T23:59:59.999999999Z",
                "1969-12-31T23:59:59.5Z",
                "0001-01-01T00:00:00Z")) {
            assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
            assertThat(records.readValue("\"" + text + "\"", Instant.class))
                    .as(text)
                    .isEqualTo(standard.readValue("\"" + text + "\"", Instant.class));
        }
    }

    @Test
    void leavesEveryOtherFormToJackson() {
        for (String text : List.of(
                "2026-11-30T10:27:40+01:00",
                "2026-11-30T10:27:40.Z",
                "2026-11-30T10:27:40.1234567890Z",
                "2026-11-30 10:27:40Z",
                "2026-13-30T10:27:40Z",
                "2026-02-30T10:27:40Z",
                "2026-11-30T24:00:00Z",
                "2026-11-30T10:60:00Z",
                "+2026-11-30T10:27:40Z",
                "2026-11-3xT10:27:40Z")) {
            assertThat(IsoInstants.parse(text)).as(text).isNull();
        }
        assertThat(records.readValue("\"2026-11-30T11:27:40+01:00\"", Instant.class))
                .isEqualTo(Instant.parse("2026-11-30T10:27:40Z"));
        assertThat(records.readValue("1764498460.5", Instant.class))
                .isEqualTo(standard.readValue("1764498460.5", Instant.class));
        assertThatThrownBy(() -> records.readValue("\"2026-02-30T10:27:40Z\"", Instant.class))
                .isInstanceOf(tools.jackson.core.JacksonException.class);
    }
}
