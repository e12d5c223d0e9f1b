package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The dispatcher's per-subscription count never loses a message that is in flight. */
class InFlightCountsTests {

    @Test
    void countsAndForgets() {
        InFlightCounts counts = new InFlightCounts();
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();

        counts.add(a);
        counts.add(a);
        counts.add(b);
        counts.remove(b);
        counts.remove(b);

        assertThat(counts.snapshot()).containsOnlyKeys(a).containsEntry(a, 2);
        counts.remove(a);
        counts.remove(a);
        assertThat(counts.snapshot()).isEmpty();
    }

    /**
     * Messages to one subscription start while others end, on several threads at once: each sees its
     * own message counted for as long as it is in flight, and nothing is left counted afterwards.
     */
    @Test
    void aMessageAddedWhileAnotherEndsIsCounted() throws Exception {
        InFlightCounts counts = new InFlightCounts();
        UUID subscription = UUID.randomUUID();
        int threads = 4;
        CyclicBarrier together = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> uncounted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                uncounted.add(pool.submit(() -> {
                    together.await();
                    int missing = 0;
                    for (int i = 0; i < 200_000; i++) {
                        counts.add(subscription);
                        if (counts.snapshot().getOrDefault(subscription, 0) < 1) {
                            missing++;
                        }
                        counts.remove(subscription);
                    }
                    return missing;
                }));
            }
            for (Future<Integer> each : uncounted) {
                assertThat(each.get(60, TimeUnit.SECONDS))
                        .as("messages in flight the count did not show")
                        .isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(counts.snapshot()).isEmpty();
    }
}
