package com.portfoliobulk.gateway.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.relay.StuckTaskSweeper;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.sql.DataSource;
import net.ttddyy.dsproxy.support.ProxyDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.server.observation.ServerRequestObservationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.scheduling.config.Task;
import org.springframework.scheduling.config.TaskExecutionOutcome;

/**
 * The database calls of a request are observations (so spans) of its trace: a submission's statements
 * and connections are children of its {@code http.server.requests} observation. Statements made outside
 * any observation are not observed (by default), nor are those of a scheduled sweep, which runs in none.
 */
class JdbcObservationIntegrationTests extends GatewayIntegrationTest {

    /** Every context handed to it while it records; registries cannot remove handlers, so it switches off. */
    private static final Recorder RECORDER = new Recorder();

    @Autowired
    ObservationRegistry observations;

    @Autowired
    DataSource dataSource;

    @Autowired
    List<ScheduledTaskHolder> schedulers;

    @BeforeEach
    void record() {
        synchronized (RECORDER) {
            if (!RECORDER.registered) {
                observations.observationConfig().observationHandler(RECORDER);
                RECORDER.registered = true;
            }
        }
        RECORDER.stopped.clear();
        RECORDER.recording = true;
    }

    @AfterEach
    void stopRecording() {
        RECORDER.recording = false;
        RECORDER.stopped.clear();
    }

    @Test
    void theDataSourceIsObserved() {
        assertThat(dataSource).isInstanceOf(ProxyDataSource.class);
    }

    @Test
    void aSubmissionsStatementsAndConnectionsAreObservationsOfItsRequest() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID ann = portfolio.user("ann");
        portfolio.accounts(2).forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));

        UUID jobId = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");

        List<Seen> ofTheSubmission = List.copyOf(RECORDER.stopped).stream()
                .filter(seen -> ("POST /api/v1/portfolios/" + portfolio.id() + "/bulk-jobs").equals(seen.request()))
                .toList();
        assertThat(jobId).isNotNull();
        assertThat(ofTheSubmission)
                .extracting(Seen::name)
                .as("the submission's database observations")
                .contains("jdbc.connection", "jdbc.query");
        assertThat(ofTheSubmission)
                .filteredOn(seen -> seen.name().equals("jdbc.query"))
                .extracting(Seen::sql)
                .anySatisfy(sql -> assertThat(sql).contains("INSERT INTO jobs.bulk_tasks"));
    }

    @Test
    void aStatementIsObservedInsideAnObservationAndNotOutsideAny() {
        JdbcClient jdbc = JdbcClient.create(dataSource);

        int outside = jdbc.sql("SELECT 1 AS outside_any_observation")
                .query(Integer.class)
                .single();
        int inside = Observation.createNotStarted("test.work", observations)
                .observe(() -> jdbc.sql("SELECT 2 AS inside_an_observation")
                        .query(Integer.class)
                        .single());

        assertThat(outside + inside).isEqualTo(3);
        List<String> observed = List.copyOf(RECORDER.stopped).stream()
                .filter(seen -> seen.name().equals("jdbc.query"))
                .map(Seen::sql)
                .toList();
        assertThat(observed)
                .as("statements observed")
                .anySatisfy(sql -> assertThat(sql).contains("inside_an_observation"))
                .noneSatisfy(sql -> assertThat(sql).contains("outside_any_observation"));
    }

    /**
     * A scheduled run (here the stuck-task sweep, as its scheduler runs it) is no observation, so the
     * sweep's statements are not observed: before, Spring Boot observed every scheduled run
     * ({@code tasks.scheduled.execution}), each a trace with the sweep's database calls in it.
     */
    @Test
    void aScheduledSweepRunsInNoObservationAndItsStatementsAreNotObserved() {
        Task sweep = schedulers.stream()
                .flatMap(scheduler -> scheduler.getScheduledTasks().stream())
                .map(ScheduledTask::getTask)
                .filter(task -> task.toString().endsWith(StuckTaskSweeper.class.getName() + ".scheduled"))
                .findFirst()
                .orElseThrow();
        Thread sweeping = Thread.currentThread();

        sweep.getRunnable().run();

        assertThat(sweep.getLastExecutionOutcome().status()).isEqualTo(TaskExecutionOutcome.Status.SUCCESS);
        assertThat(List.copyOf(RECORDER.stopped))
                .filteredOn(seen -> seen.thread() == sweeping)
                .as("observations of the sweep's run")
                .isEmpty();
    }

    @Test
    void theDatabaseCallsAreTimed() {
        String metrics = metrics();

        assertThat(metrics).contains("jdbc_query_seconds_count", "jdbc_connection_seconds_count");
    }

    /** The {@code http.server.requests} observation the context ran in, if any. */
    private static ServerRequestObservationContext requestOf(Observation.Context context) {
        ObservationView parent = context.getParentObservation();
        while (parent != null) {
            Observation.Context parentContext = (Observation.Context) parent.getContextView();
            if (parentContext instanceof ServerRequestObservationContext request) {
                return request;
            }
            parent = parentContext.getParentObservation();
        }
        return null;
    }

    /**
     * A database or scheduled run's observation: its name, its first statement, the request it ran in
     * (or null), and the thread that stopped it.
     */
    private record Seen(String name, String sql, String request, Thread thread) {}

    private static final class Recorder implements ObservationHandler<Observation.Context> {

        final Queue<Seen> stopped = new ConcurrentLinkedQueue<>();

        volatile boolean recording;

        boolean registered;

        @Override
        public void onStop(Observation.Context context) {
            if (recording
                    && context.getName() != null
                    && (context.getName().startsWith("jdbc.")
                            || context.getName().startsWith("tasks.scheduled."))) {
                // Read now: the request is recycled once answered.
                ServerRequestObservationContext request = requestOf(context);
                stopped.add(new Seen(
                        context.getName(),
                        String.valueOf(context.getHighCardinalityKeyValue("jdbc.query[0]")),
                        request == null
                                ? null
                                : request.getCarrier().getMethod() + " "
                                        + request.getCarrier().getRequestURI(),
                        Thread.currentThread()));
            }
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return recording;
        }
    }
}
