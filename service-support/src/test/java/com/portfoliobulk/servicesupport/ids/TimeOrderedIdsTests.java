package com.portfoliobulk.servicesupport.ids;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TimeOrderedIdsTests {

    @Test
    void idsAreVersion7WithTheTimeFirstSoThatLaterIdsSortAfterEarlierOnes() {
        long now = System.currentTimeMillis();
        UUID earlier = TimeOrderedIds.at(now);
        UUID later = TimeOrderedIds.at(now + 1);

        assertThat(earlier.version()).isEqualTo(7);
        assertThat(earlier.variant()).isEqualTo(2);
        assertThat(earlier.getMostSignificantBits() >>> 16).isEqualTo(now);
        // PostgreSQL orders uuid values by their bytes, most significant first, as this string does.
        assertThat(later.toString()).isGreaterThan(earlier.toString());
    }

    @Test
    void idsOfTheSameMillisecondDiffer() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(TimeOrderedIds.at(0));
        }

        assertThat(new HashSet<>(ids)).hasSize(ids.size());
    }
}
