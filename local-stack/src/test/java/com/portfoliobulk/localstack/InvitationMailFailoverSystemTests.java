package com.portfoliobulk.localstack;

import static java.util.stream.Collectors.groupingBy;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two bulk-worker processes send a job's invitation e-mails to an SMTP server (the local stack's
 * GreenMail mailbox), and one of them is killed ({@code kill -9}) at the worst moment: the server has
 * accepted an e-mail and the worker's record of it as sent has not committed. (A worker marks the
 * e-mail sent, hands it over, then commits; a trigger run at the commit waits for a lock the test
 * holds, and the test kills the worker while it waits.) The other worker sends
 * the rest: every invitee gets the e-mail, none is lost, and the killed worker's e-mail comes once
 * more, with the same {@code Message-ID}, as README's "At least once at the SMTP boundary" promises.
 *
 * <p>The two senders apply no tasks (they read a task topic of their own, which nothing is sent to):
 * the {@link FaultStack}'s workers apply the job, and never send e-mails themselves.
 */
class InvitationMailFailoverSystemTests {

    /**
     * Enough for the kill to come while e-mails are still being sent (at a quarter of them): once the
     * test holds its lock, neither sender records another e-mail as sent.
     */
    private static final int INVITEES = 100;

    private static final int ACCOUNTS = 2;

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    /** The advisory lock the commit of an e-mail's sent mark waits for while the test holds it. */
    private static final String COMMIT_LOCK = "hashtext('invitation mail failover: commits wait')";

    @Test
    void aMailSenderKilledWhileSendingLosesNoInvitationAndItsOneCopyKeepsItsMessageId() throws Exception {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        holdCommitsOfSentMarks(invariants, true);
        try (LocalMailbox mailbox = LocalMailbox.start(FreePorts.take(), FreePorts.take())) {
            ServiceProcess victim = startSender(stack, "fault-mail-a", mailbox);
            ServiceProcess survivor = startSender(stack, "fault-mail-b", mailbox);
            try {
                victim.awaitReady(ServiceProcesses.STARTUP);
                survivor.awaitReady(ServiceProcesses.STARTUP);
                TestPortfolio portfolio = TestPortfolio.seed(invariants.dataSource(), ACCOUNTS);
                List<String> invitees = new ArrayList<>();
                for (int i = 0; i < INVITEES; i++) {
                    invitees.add(TestPortfolio.newEmail("invitee" + i));
                }
                UUID job = stack.ownerClient(portfolio)
                        .submit(Map.of(
                                "type",
                                "INVITE_USERS",
                                "emails",
                                invitees,
                                "accounts",
                                portfolio.accounts().stream()
                                        .map(account -> Map.of("accountId", account, "role", "ANALYST"))
                                        .toList()));
                assertThat(invariants.awaitTerminal(job, PATIENCE)).isEqualTo("COMPLETED");

                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> received(mailbox, invitees).size() >= INVITEES / 4);
                int receivedAtKill;
                long killedAt;
                try (Connection outboxLock = invariants.dataSource().getConnection()) {
                    // Claims, marks and hand-overs go on; the commit of a sent mark waits for this lock.
                    outboxLock.setAutoCommit(false);
                    try (Statement lock = outboxLock.createStatement()) {
                        lock.execute("SELECT pg_advisory_xact_lock(" + COMMIT_LOCK + ")");
                    }
                    int lockPid = DatabaseSession.backendPid(outboxLock);
                    await().atMost(PATIENCE)
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> DatabaseSession.waitsBehind(invariants.dataSource(), victim, lockPid));
                    receivedAtKill = received(mailbox, invitees).size();
                    victim.kill9();
                    killedAt = System.nanoTime();
                    // As after a real crash, the victim's sessions end before its commit could go on (a
                    // commit the server had already begun would complete with nobody there to see it).
                    await().atMost(PATIENCE)
                            .pollInterval(Duration.ofMillis(20))
                            .until(() -> DatabaseSession.of(invariants.dataSource(), victim)
                                    .isEmpty());
                    outboxLock.rollback();
                }
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> sent(invariants, job) == INVITEES);
                Duration allSent = Duration.ofNanos(System.nanoTime() - killedAt);

                List<Map<String, Object>> messages = received(mailbox, invitees);
                Map<Object, List<Map<String, Object>>> byRecipient =
                        messages.stream().collect(groupingBy(message -> message.get("to")));
                List<String> copied = byRecipient.entrySet().stream()
                        .filter(entry -> entry.getValue().size() > 1)
                        .map(entry -> entry.getKey().toString())
                        .toList();
                System.out.printf(
                        "Invitation mail failover: %d/%d e-mails received when one of two senders was killed after"
                                + " handing one over; the other had sent every one %d ms after; %d e-mails received"
                                + " in all, copies to %s%n",
                        receivedAtKill, INVITEES, allSent.toMillis(), messages.size(), copied);

                assertThat(receivedAtKill)
                        .as("the kill comes while e-mails are sent")
                        .isLessThan(INVITEES);
                assertThat(byRecipient.keySet())
                        .as("every invitee got the e-mail")
                        .containsExactlyInAnyOrderElementsOf(invitees);
                assertThat(copied)
                        .as("the one e-mail the killed sender had handed over and not recorded came twice")
                        .hasSize(1);
                assertThat(messages).hasSize(INVITEES + 1);
                byRecipient.forEach((to, copies) -> assertThat(copies.stream()
                                .map(message -> message.get("messageId"))
                                .collect(toSet()))
                        .as("the Message-ID of every copy to %s", to)
                        .hasSize(1));
                assertThat(survivor.alive()).isTrue();
            } finally {
                victim.kill9();
                survivor.stop();
            }
        } finally {
            holdCommitsOfSentMarks(invariants, false);
        }
    }

    /**
     * Adds (or drops) a trigger run at the commit of every e-mail's sent mark, after the e-mail was
     * handed to the SMTP server, that waits while the test holds {@link #COMMIT_LOCK}.
     */
    private static void holdCommitsOfSentMarks(PipelineInvariants invariants, boolean hold) throws Exception {
        try (Connection connection = invariants.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            if (hold) {
                statement.execute("""
                        CREATE FUNCTION directory.failover_hold_sent_mark() RETURNS trigger AS $$
                        BEGIN
                          IF NEW.status = 'SENT' THEN
                            PERFORM pg_advisory_xact_lock_shared(%s);
                          END IF;
                          RETURN NEW;
                        END $$ LANGUAGE plpgsql
                        """.formatted(COMMIT_LOCK));
                statement.execute("CREATE CONSTRAINT TRIGGER failover_hold_sent_mark AFTER UPDATE ON"
                        + " directory.invitation_mails DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                        + " EXECUTE FUNCTION directory.failover_hold_sent_mark()");
            } else {
                statement.execute("DROP TRIGGER IF EXISTS failover_hold_sent_mark ON directory.invitation_mails");
                statement.execute("DROP FUNCTION IF EXISTS directory.failover_hold_sent_mark()");
            }
        }
    }

    /**
     * A bulk-worker that sends invitation e-mails to the mailbox, polling every 100 ms, and applies no
     * task: it reads a task topic and consumer group of its own, which nothing is sent to.
     */
    private static ServiceProcess startSender(FaultStack stack, String name, LocalMailbox mailbox) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("spring.mail.host", "localhost");
        properties.put("spring.mail.port", Integer.toString(mailbox.smtpPort()));
        properties.put("bulk.worker.mail.poll-interval", "100ms");
        properties.put("spring.datasource.hikari.data-source-properties.ApplicationName", name);
        properties.put("bulk.worker.topics.tasks", name + "-tasks-" + UUID.randomUUID());
        properties.put("spring.kafka.consumer.group-id", name + "-" + UUID.randomUUID());
        return stack.processes().startWorker(name, properties);
    }

    /** The messages the mailbox received for these invitees. */
    private static List<Map<String, Object>> received(LocalMailbox mailbox, List<String> invitees) {
        Set<String> addresses = Set.copyOf(invitees);
        return mailbox.messages(Optional.empty()).stream()
                .filter(message -> addresses.contains(String.valueOf(message.get("to"))))
                .toList();
    }

    /** How many of the job's e-mails are marked sent. */
    private static long sent(PipelineInvariants invariants, UUID job) {
        return invariants
                .jdbc()
                .sql("SELECT count(*) FROM directory.invitation_mails WHERE job_id = ? AND status = 'SENT'")
                .param(job)
                .query(Long.class)
                .single();
    }
}
