package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TcpProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The shared windows on the real PostgreSQL: exact under concurrency, one statement each, quick to give up. */
class PostgresRateWindowsIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(PostgresRateWindowsIntegrationTests.class);

    /** The default bound, for the tests of giving up. */
    private static final Duration TIMEOUT = Duration.ofMillis(250);

    /** For the tests of counting: a busy machine may hold a count up for longer than the default bound. */
    private static final Duration PATIENT = Duration.ofSeconds(5);

    private final DatabaseEndpoint database = SharedInfrastructure.database();

    private final List<PostgresRateWindows> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(PostgresRateWindows::close);
    }

    @Test
    void twoGatewaysCountingAtOnceGiveEveryRequestItsOwnSlot() throws Exception {
        PostgresRateWindows one = windows(database.jdbcUrl());
        PostgresRateWindows other = windows(database.jdbcUrl());
        UUID portfolio = UUID.randomUUID();
        List<Callable<long[]>> callers = new ArrayList<>();
        for (int caller = 0; caller < 8; caller++) {
            PostgresRateWindows windows = caller % 2 == 0 ? one : other;
            callers.add(() -> LongStream.range(0, 50)
                    .map(i -> windows.take(portfolio, "submissions", Duration.ofMinutes(1))
                            .requests())
                    .toArray());
        }

        long[] counted;
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            counted = threads.invokeAll(callers).stream()
                    .map(PostgresRateWindowsIntegrationTests::get)
                    .flatMapToLong(Arrays::stream)
                    .sorted()
                    .toArray();
        }

        assertThat(counted)
                .as("each of the 400 requests saw a count of its own: a limit of N admits exactly N")
                .containsExactly(LongStream.rangeClosed(1, 400).toArray());
    }

    @Test
    void aNewWindowStartsWhenTheLastHasEndedAndKindsCountApart() {
        PostgresRateWindows windows = windows(database.jdbcUrl());
        UUID portfolio = UUID.randomUUID();
        Duration period = Duration.ofMillis(500);
        RateWindows.Window first = windows.take(portfolio, "previews", period);
        assertThat(first.requests()).isOne();
        assertThat(first.left()).isBetween(Duration.ZERO, period);
        assertThat(windows.take(portfolio, "previews", period).requests()).isEqualTo(2);
        assertThat(windows.take(portfolio, "scim", period).requests()).isOne();

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> windows.take(portfolio, "previews", period).requests() == 1);

        assertThat(windows.forgetEnded()).isNotNegative();
    }

    @Test
    void countsEveryRequestOfALongRunAndMeasuresWhatACountCosts() {
        PostgresRateWindows windows = windows(database.jdbcUrl());
        UUID portfolio = UUID.randomUUID();
        for (int i = 0; i < 200; i++) {
            windows.take(portfolio, "submissions", Duration.ofMinutes(1));
        }
        int takes = 2000;
        long[] nanos = new long[takes];
        for (int i = 0; i < takes; i++) {
            long start = System.nanoTime();
            windows.take(portfolio, "submissions", Duration.ofMinutes(1));
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        log.info(
                "Shared rate limit: {} counts, median {} us, p90 {} us, p99 {} us per request",
                takes,
                nanos[takes / 2] / 1000,
                nanos[takes * 9 / 10] / 1000,
                nanos[takes * 99 / 100] / 1000);
        assertThat(windows.take(portfolio, "submissions", Duration.ofMinutes(1)).requests())
                .isEqualTo(200 + takes + 1);
    }

    @Test
    void aCountHeldUpByTheDatabaseGivesUpWithinTheTimeout() throws Exception {
        PostgresRateWindows windows = windows(database.jdbcUrl(), TIMEOUT);
        UUID portfolio = UUID.randomUUID();
        windows.take(portfolio, "submissions", Duration.ofMinutes(1));
        try (Connection holder =
                DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password())) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement(
                    "SELECT 1 FROM jobs.portfolio_rate_limits WHERE portfolio_id = ? FOR UPDATE")) {
                lock.setObject(1, portfolio);
                lock.executeQuery().close();
            }

            long start = System.nanoTime();
            assertThatThrownBy(() -> windows.take(portfolio, "submissions", Duration.ofMinutes(1)))
                    .isInstanceOf(RateWindows.Unavailable.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            holder.rollback();
        }
        assertThat(windows.take(portfolio, "submissions", Duration.ofMinutes(1)).requests())
                .as("the refused attempt counted nothing")
                .isEqualTo(2);
    }

    @Test
    void anUnreachableDatabaseFailsTheCountQuicklyAndItRecoversWhenTheDatabaseIsBack() {
        int databasePort = Integer.parseInt(database.jdbcUrl().replaceFirst(".*://[^:/]+:(\\d+)/.*", "$1"));
        try (TcpProxy network = new TcpProxy(FreePorts.take(), () -> databasePort)) {
            PostgresRateWindows windows =
                    windows(database.jdbcUrl().replaceFirst(":\\d+/", ":" + network.port() + "/"), TIMEOUT);
            UUID portfolio = UUID.randomUUID();

            long start = System.nanoTime();
            assertThatThrownBy(() -> windows.take(portfolio, "submissions", Duration.ofMinutes(1)))
                    .isInstanceOf(RateWindows.Unavailable.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));

            network.start();
            await().atMost(Duration.ofSeconds(10))
                    .ignoreException(RateWindows.Unavailable.class)
                    .until(() -> windows.take(portfolio, "submissions", Duration.ofMinutes(1))
                                    .requests()
                            == 1);
        }
    }

    private PostgresRateWindows windows(String url) {
        return windows(url, PATIENT);
    }

    private PostgresRateWindows windows(String url, Duration timeout) {
        PostgresRateWindows windows =
                new PostgresRateWindows(url, database.username(), database.password(), 4, timeout);
        opened.add(windows);
        return windows;
    }

    private static <T> T get(Future<T> future) {
        try {
            return future.get();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
