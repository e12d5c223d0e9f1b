package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.jobs.PortfolioConcurrencyLimit.Work;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One portfolio's submissions, previews and cancellations run at once by a gateway, all kinds together:
 * at most {@code bulk.gateway.rate-limit.max-concurrent-per-portfolio}, which must stay under the
 * gateway's database pool; a portfolio is kept only while work of it runs or waits.
 */
class PortfolioConcurrencyTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aPortfolioOverItsPlacesIsRefusedWith503WithoutRunningWhileAnotherRuns() throws Exception {
        PortfolioConcurrency concurrency = new PortfolioConcurrency(2, 10, meters);
        UUID busy = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        CountDownLatch running = new CountDownLatch(2);
        CountDownLatch end = new CountDownLatch(1);
        List<Future<String>> held = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Work work : List.of(Work.SUBMISSION, Work.CANCELLATION)) {
                held.add(threads.submit(() -> concurrency.run(busy, work, () -> {
                    running.countDown();
                    try {
                        assertThat(end.await(30, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException ex) {
                        throw new IllegalStateException(ex);
                    }
                    return "done";
                })));
            }
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            AtomicBoolean ran = new AtomicBoolean();

            assertThatThrownBy(() -> concurrency.run(busy, Work.PREVIEW, () -> ran.getAndSet(true)))
                    .isInstanceOfSatisfying(RequestRefusedException.class, refused -> {
                        assertThat(refused.reason()).isEqualTo(RequestRefusedException.Reason.UNAVAILABLE);
                        assertThat(refused.retryAfterSeconds()).isEqualTo(2);
                        assertThat(refused.getMessage())
                                .contains(busy.toString(), "bulk.gateway.rate-limit.max-concurrent-per-portfolio");
                    });
            assertThat(ran).isFalse();
            assertThat(concurrency.run(other, Work.SUBMISSION, () -> "other")).isEqualTo("other");

            end.countDown();
            for (Future<String> work : held) {
                assertThat(work.get(30, TimeUnit.SECONDS)).isEqualTo("done");
            }
        }
        assertThat(meters.get("bulk.requests.concurrency.refused")
                        .tag("endpoint", "previews")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("bulk.requests.concurrency.refused")
                        .tag("endpoint", "submissions")
                        .counter()
                        .count())
                .isZero();
        assertThat(concurrency.tracks(busy))
                .as("kept only while work of it runs")
                .isFalse();
        assertThat(concurrency.tracks(other)).isFalse();
    }

    @Test
    void workThatFailsGivesItsPlaceBack() {
        PortfolioConcurrency concurrency = new PortfolioConcurrency(1, 10, meters);
        UUID portfolio = UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> concurrency.run(portfolio, Work.SUBMISSION, () -> {
                        throw new IllegalStateException("failed");
                    }))
                    .hasMessage("failed");
        }

        assertThat(concurrency.tracks(portfolio)).isFalse();
        assertThat(concurrency.run(portfolio, Work.SUBMISSION, () -> "ran")).isEqualTo("ran");
    }

    @Test
    void theBoundMustBeAtLeastOneAndUnderTheDatabasePool() {
        new PortfolioConcurrency(1, 2, meters);
        new PortfolioConcurrency(9, 10, meters);
        for (int[] refused : new int[][] {{0, 10}, {10, 10}, {11, 10}, {1, 1}}) {
            assertThatThrownBy(() -> new PortfolioConcurrency(refused[0], refused[1], meters))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("bulk.gateway.rate-limit.max-concurrent-per-portfolio is " + refused[0])
                    .hasMessageContaining("BULK_DB_POOL_SIZE: " + refused[1] + " connections");
        }
    }
}
