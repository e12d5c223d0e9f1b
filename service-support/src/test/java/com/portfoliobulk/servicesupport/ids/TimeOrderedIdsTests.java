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

    /**
     * Activity entries written in one transaction share their time, and the log orders them by id
     * after it: ids made one after another must sort in that order, also within one millisecond.
     */
    @Test
    void idsMadeOneAfterAnotherSortInTheOrderTheyWereMade() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(TimeOrderedIds.next());
        }

        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).toString())
                    .as("id %d", i)
                    .isGreaterThan(ids.get(i - 1).toString());
        }
        assertThat(ids).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
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
