package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How the console's pages word a configured duration. */
class FormatsTests {

    private final Formats fmt = new Formats();

    @Test
    void aDurationIsWordedInTheLargestUnitItIsAWholeNumberOf() {
        assertThat(fmt.duration(Duration.ofHours(24))).isEqualTo("24 hours");
        assertThat(fmt.duration(Duration.ofHours(1))).isEqualTo("1 hour");
        assertThat(fmt.duration(Duration.ofMinutes(90))).isEqualTo("90 minutes");
        assertThat(fmt.duration(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(fmt.duration(Duration.ofSeconds(90))).isEqualTo("90 seconds");
        assertThat(fmt.duration(Duration.ofSeconds(30))).isEqualTo("30 seconds");
        assertThat(fmt.duration(Duration.ofSeconds(1))).isEqualTo("1 second");
        assertThat(fmt.duration(Duration.ofMillis(1500))).isEqualTo("1500 milliseconds");
        assertThat(fmt.duration(Duration.ZERO)).isEqualTo("0 seconds");
    }
}
