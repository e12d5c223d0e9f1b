package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL is restored from a backup taken in the middle of a job, by README's procedure ("Backups,
 * and restoring the database"): the services stopped, the backup's data in place, bulk-schema's
 * {@code db/resend-pending-tasks.sql} run with psql logged in as the gateway's role, the
 * audit-consumer's group moved back to before the backup's moment with Kafka's own
 * {@code kafka-consumer-groups} tool, the services started again. The
 * job the backup caught half done then completes with every change applied; the part of it that had
 * been applied, and logged, after the backup, which the restore undid, is applied a second time, and
 * the activity log has both applications of each of those changes, each once; a job submitted after
 * the backup is gone, and its changes with it.
 */
class DatabaseRestoreSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    /** How far before the backup's moment README moves the audit-consumer's group back, at least. */
    private static final Duration BEFORE_THE_BACKUP = Duration.ofMinutes(1);

    /** kafka-consumer-groups' {@code --to-datetime} format, in UTC. */
    private static final DateTimeFormatter KAFKA_DATETIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private static final Pattern INSERTED = Pattern.compile("INSERT 0 (\\d+)");

    @Test
    void aJobHalfDoneInTheBackupCompletesAfterTheRestoreEachApplicationLoggedOnceAndALaterJobIsGone() {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        FaultStack.RoleJob job = stack.submitRoleJobAndAwaitATenth(ACCOUNTS, USERS, PATIENCE);
        // The audit-consumers fall behind: the changes applied now are in the backup, their activity
        // entries are written only after it.
        List<ServiceProcess> auditConsumers = stack.processes().of(ServiceProcesses.Service.AUDIT);
        auditConsumers.forEach(ServiceProcess::freeze);
        int finishedAtFreeze = invariants.finished(job.id());
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> invariants.finished(job.id()) >= finishedAtFreeze + job.tasks() / 10);

        Instant backupMoment = Instant.now();
        int finishedBeforeBackup = invariants.finished(job.id());
        Path backup = stack.backUpPostgres();
        int finishedInBackup = invariants.finished(job.id());
        auditConsumers.forEach(ServiceProcess::thaw);
        invariants.awaitTerminal(job.id(), PATIENCE);
        invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
        // After the backup: a job removing two users from three accounts, done and logged.
        UUID later = job.client()
                .submit(Map.of(
                        "type",
                        "REMOVE_ACCESS",
                        "userIds",
                        job.users().subList(0, 2),
                        "accountIds",
                        job.portfolio().accounts().subList(0, 3)));
        assertThat(job.client().awaitTerminal(later).get("status").asString()).isEqualTo("COMPLETED");
        await().atMost(PATIENCE).until(() -> invariants.activityEntries(later) == 6);

        // README's restore.
        List<ServiceProcess> services =
                stack.processes().all().stream().filter(ServiceProcess::alive).toList();
        services.forEach(ServiceProcess::stop);
        stack.restorePostgres(backup);
        // Logged in as the gateway's role, which owns jobs (the script refuses the superuser).
        String resent = Programs.psql(
                ServiceRoles.logins(stack.database()).gateway(),
                "bulk-schema/src/main/resources/db/resend-pending-tasks.sql",
                Map.of());
        String moved = kafkaConsumerGroups(
                stack,
                "--group",
                stack.topics().auditGroup(),
                "--reset-offsets",
                "--all-topics",
                "--to-datetime",
                KAFKA_DATETIME.format(backupMoment.minus(BEFORE_THE_BACKUP).truncatedTo(ChronoUnit.MILLIS)),
                "--execute");
        services.forEach(ServiceProcess::restart);
        stack.processes().awaitReady(ServiceProcesses.STARTUP);
        System.out.printf(
                "Restore: %d/%d tasks finished in the backup; resend: %s; audit group: %s%n",
                finishedInBackup, job.tasks(), resent.strip(), moved.strip());

        assertThat(finishedInBackup).as("the backup caught the job half done").isLessThan(job.tasks());
        Matcher queued = INSERTED.matcher(resent);
        assertThat(queued.find()).as(resent).isTrue();
        assertThat(Integer.parseInt(queued.group(1)))
                .as("tasks sent before the backup and still pending in it are queued again")
                .isPositive();
        // The changes made after the backup were forgotten with it and applied again: each of those
        // tasks' events is on the activity topic twice, with two times, and in the log twice: the entry
        // of the application the restore undid, read again from Kafka, and that of the new one.
        job.assertAppliedOnceSinceARestore(
                stack, PATIENCE, job.tasks() - finishedInBackup, job.tasks() - finishedBeforeBackup);
        assertThat(job.client()
                        .call("GET", "/bulk-jobs/" + later, null)
                        .getStatusCode()
                        .value())
                .as("the job submitted after the backup is gone; its removals were undone with it (all managers above)")
                .isEqualTo(404);
        assertThat(invariants.activityEntries(later))
                .as("the activity log keeps the entries of the changes made after the backup, read again from Kafka")
                .isEqualTo(6);
    }

    /** Kafka's {@code kafka-consumer-groups} tool on the stack's broker, in a JVM of its own; returns its output. */
    private static String kafkaConsumerGroups(FaultStack stack, String... arguments) {
        Path logging =
                Paths.get("target", "processes", "kafka-tools-logback.xml").toAbsolutePath();
        try {
            Files.createDirectories(logging.getParent());
            Files.writeString(logging, """
                    <configuration>
                      <appender name="err" class="ch.qos.logback.core.ConsoleAppender">
                        <target>System.err</target>
                        <encoder><pattern>%level %logger: %msg%n</pattern></encoder>
                      </appender>
                      <root level="WARN"><appender-ref ref="err"/></root>
                    </configuration>
                    """);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        List<String> command = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=" + logging,
                "-cp",
                System.getProperty("java.class.path"),
                "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                "--bootstrap-server",
                stack.broker().bootstrapServers()));
        command.addAll(List.of(arguments));
        return Programs.run(command, Map.of());
    }
}
