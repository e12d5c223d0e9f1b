package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * The network between one process of a consumer group and PostgreSQL goes silent in the middle of a
 * job ({@link SilentProxy}): no answer, no closed connection, as when the database's host is lost or a
 * failover moves its address, while the broker still hears the process. Its statements waiting on
 * those connections fail after its {@code socketTimeout}, and since nothing has answered for longer
 * than its standby time ({@code bulk.worker.standby-after}, {@code bulk.audit.standby-after}) it stops
 * its listener: the other members of its group take its partitions over and finish the work, every
 * change applied and logged exactly once, while it is still cut off. Once the network is back it joins
 * its group again. Without the timeout a listener thread would wait for its answer forever; without
 * standing aside the process would keep its partitions, and their records would wait for its network.
 * One test cuts off one of three bulk-workers, the other one of three audit-consumers; the cut-off
 * process runs with both timers shortened ({@link #SOCKET_TIMEOUT}, {@link #STANDBY_AFTER}).
 */
class SilentDatabaseSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    /**
     * The cut-off process's bound on a statement's wait for the database ({@code BULK_DB_SOCKET_TIMEOUT},
     * 60 s by default), in seconds: shortened, so that the test does not wait a minute for it, and still
     * far above what a statement takes before the silence on a loaded machine.
     */
    private static final String SOCKET_TIMEOUT = "10";

    /**
     * The cut-off process's standby time ({@code bulk.worker.standby-after}, {@code
     * bulk.audit.standby-after}; 45 s by default): shortened with the socket timeout, and still below
     * it, so that the process stands aside at its first statement that failed, as with the defaults.
     */
    private static final String STANDBY_AFTER = "8s";

    @Test
    void aWorkerCutOffFromItsDatabaseMidJobLeavesItsPartitionsToTheOthersAndComesBackWithTheNetwork() throws Exception {
        FaultStack stack = FaultStack.get();
        // Silenced while one of its statements runs, so that a listener thread waits on a silent connection.
        cutOffMidJob(
                stack,
                "tasks finished",
                "fault-worker-silent",
                (name, port) -> stack.startWorkerThrough(name, port, shortTimers("bulk.worker.standby-after")),
                stack.topics().workerGroup(),
                job -> stack.invariants().finished(job.id()),
                (job, worker) -> stack.invariants().finished(job.id()) >= job.tasks() / 10
                        && stack.sessions(worker).stream()
                                .anyMatch(session -> session.state().equals("active")));
    }

    @Test
    void anAuditConsumerCutOffFromItsDatabaseMidJobLeavesItsPartitionsToTheOthersAndComesBackWithTheNetwork()
            throws Exception {
        FaultStack stack = FaultStack.get();
        cutOffMidJob(
                stack,
                "activity entries written",
                "fault-audit-silent",
                (name, port) -> stack.startAuditThrough(name, port, shortTimers("bulk.audit.standby-after")),
                stack.topics().auditGroup(),
                job -> stack.invariants().activityEntries(job.id()),
                (job, audit) -> stack.invariants().activityEntries(job.id()) >= job.tasks() / 10);
    }

    /** The cut-off process's shortened {@link #SOCKET_TIMEOUT} and {@link #STANDBY_AFTER} (its property {@code standbyAfter}). */
    private static Map<String, String> shortTimers(String standbyAfter) {
        return Map.of(
                "spring.datasource.hikari.data-source-properties.socketTimeout",
                SOCKET_TIMEOUT,
                standbyAfter,
                STANDBY_AFTER);
    }

    /** Whether a job has gone far enough for the silence, with the process to be cut off. */
    @FunctionalInterface
    private interface Progressed {

        boolean test(FaultStack.RoleJob job, ServiceProcess process) throws Exception;
    }

    /**
     * Starts a third process of {@code group}, {@code name}, reaching PostgreSQL through a {@link
     * SilentProxy} ({@code start}: with its name and the proxy's port), runs a job, silences the proxy once {@code progressed}, and
     * checks that the others finish the job and its entries while the process is still cut off, that it
     * left its partitions to them then, and that it owns partitions again once the network is back.
     */
    private static void cutOffMidJob(
            FaultStack stack,
            String progressName,
            String name,
            BiFunction<String, Integer, ServiceProcess> start,
            String group,
            ToLongFunction<FaultStack.RoleJob> progress,
            Progressed progressed)
            throws Exception {
        PipelineInvariants invariants = stack.invariants();
        try (SilentProxy proxy = SilentProxy.to(stack.postgresPort())) {
            ServiceProcess process = start.apply(name, proxy.port());
            try {
                process.awaitReady(ServiceProcesses.STARTUP);
                awaitOwnsPartitions(stack, group, process);
                FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10)).until(() -> progressed.test(job, process));

                long atSilence = progress.applyAsLong(job);
                proxy.silence();
                long silencedAt = System.nanoTime();
                invariants.awaitTerminal(job.id(), PATIENCE);
                Duration completed = since(silencedAt);
                invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
                Duration logged = since(silencedAt);
                Map<String, Integer> ownersWhileSilent = ownersOnceStable(stack, group);
                double standbyWhileSilent = standbyGauge(process);
                proxy.restore();
                long restoredAt = System.nanoTime();
                awaitOwnsPartitions(stack, group, process);
                Duration back = since(restoredAt);
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(200))
                        .alias(process.name() + "'s bulk_database_standby back at 0")
                        .until(() -> standbyGauge(process) == 0);
                System.out.printf(
                        "Silent database: %d/%d %s when %s's network went silent; the others completed the job"
                                + " %d ms and wrote its last activity entry %d ms after, while it was still cut"
                                + " off (owners then %s); it owned partitions again %d ms after the network was"
                                + " back%n",
                        atSilence,
                        job.tasks(),
                        progressName,
                        process.name(),
                        completed.toMillis(),
                        logged.toMillis(),
                        ownersWhileSilent,
                        back.toMillis());

                assertThat(atSilence)
                        .as("the silence starts in the middle of the job")
                        .isLessThan(job.tasks());
                job.assertAppliedExactlyOnce(stack, PATIENCE);
                assertThat(ownersWhileSilent)
                        .as("the cut-off %s left its partitions to the others", process.name())
                        .isNotEmpty()
                        .doesNotContainKey(process.name());
                assertThat(standbyWhileSilent)
                        .as("%s's bulk_database_standby while it stood aside", process.name())
                        .isEqualTo(1);
                assertThat(process.alive())
                        .as("%s lived through it", process.name())
                        .isTrue();
                process.awaitReady(PATIENCE);
            } finally {
                process.stop();
            }
        }
    }

    /** The process's {@code bulk_database_standby} gauge, from its Prometheus scrape (one listener each). */
    private static double standbyGauge(ServiceProcess process) throws Exception {
        List<Double> samples = MetricScrape.samples(process.url(), "bulk_database_standby");
        assertThat(samples).as("%s's bulk_database_standby", process.name()).hasSize(1);
        return samples.getFirst();
    }

    /**
     * The owners of the group's partitions, read once the group is stable with every partition owned:
     * an empty answer (a rebalance under way) would say nothing about who owns them.
     */
    private static Map<String, Integer> ownersOnceStable(FaultStack stack, String group) {
        AtomicReference<Map<String, Integer>> owners = new AtomicReference<>(Map.of());
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .alias("the group " + group + " stable with every partition owned")
                .until(() -> {
                    owners.set(ConsumerGroups.owners(stack.admin(), group));
                    return !owners.get().isEmpty();
                });
        return owners.get();
    }

    /** Waits until the process's consumers own some of the group's partitions. */
    private static void awaitOwnsPartitions(FaultStack stack, String group, ServiceProcess process) {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .alias(process.name() + " owns partitions of " + group)
                .until(() -> ConsumerGroups.owners(stack.admin(), group).containsKey(process.name()));
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
