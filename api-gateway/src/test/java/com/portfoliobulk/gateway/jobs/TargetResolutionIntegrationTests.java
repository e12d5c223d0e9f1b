package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.rules.AccessRules;
import com.portfoliobulk.rules.Decision;
import com.portfoliobulk.servicesupport.ids.TimeOrderedIds;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

/**
 * The resolution a preview walks is exactly what a submission stores, with the directory's current
 * state for the access rules; and the task cap holds also where only the directory tells the count.
 */
class TargetResolutionIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    TargetResolution resolution;

    @Autowired
    Jobs jobs;

    @Autowired
    JobRepository jobRepository;

    @Autowired
    IdempotencyKeyRepository keys;

    @Autowired
    JobMetrics metrics;

    @Autowired
    ApplicationEventPublisher events;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    ClosureLock closureLock;

    @Autowired
    PortfolioConcurrencyLimit concurrency;

    @Autowired
    PortfolioAccess access;

    @Autowired
    JobSubmission submissions;

    private DirectorySeed.Portfolio portfolio;

    private UUID alpha;

    private UUID beta;

    private UUID gamma;

    private UUID ann;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio();
        alpha = portfolio.account("Alpha");
        beta = portfolio.account("Beta");
        gamma = portfolio.account("Gamma");
        ann = portfolio.user("ann");
        portfolio
                .member(alpha, ann, AccountRole.ANALYST)
                .member(beta, ann, AccountRole.OWNER)
                .invited(gamma, ann, AccountRole.SUPPORT, Instant.now().plus(Duration.ofDays(2)));
    }

    @Test
    void thePlanOfAnOffboardingCarriesEachMembershipForTheAccessRules() {
        ResolvedTargets targets =
                resolution.resolve(portfolio.id(), JobRequestValidation.validate(new OffboardUsers(List.of(ann))));

        List<PlannedTarget> planned = new ArrayList<>();
        resolution.forEach(targets, Long.MAX_VALUE, planned::add);

        assertThat(planned).extracting(PlannedTarget::position).containsExactly(1L, 2L, 3L);
        assertThat(planned).allSatisfy(target -> {
            assertThat(target.action()).isEqualTo(TaskAction.REMOVE);
            assertThat(target.userId()).isEqualTo(ann);
            assertThat(target.email()).isEqualTo(portfolio.email("ann"));
            assertThat(target.current().accountInPortfolio()).isTrue();
        });
        Map<UUID, Decision> decisions = new HashMap<>();
        planned.forEach(target -> decisions.put(
                target.accountId(),
                AccessRules.decide(target.action(), target.role(), target.current(), Instant.now())));
        assertThat(decisions.get(alpha).isChange()).isTrue();
        assertThat(decisions.get(beta).reason()).isEqualTo(ReasonCode.OWNER_PROTECTED);
        assertThat(decisions.get(gamma).isChange()).isTrue();
        assertThat(planned.stream()
                        .filter(t -> t.accountId().equals(gamma))
                        .findFirst()
                        .orElseThrow()
                        .current()
                        .membership()
                        .orElseThrow()
                        .state())
                .isEqualTo(MembershipState.INVITED);
    }

    /**
     * An offboarding also removes the user from the accounts a running job is still to invite them to:
     * its task comes after the invitation's (an account's changes apply in submission order), so the
     * person offboarded is not left invited there once both jobs are done.
     */
    @Test
    void anOffboardingAlsoCoversTheAccountsARunningJobIsStillToInviteTheUserTo() {
        UUID delta = portfolio.account("Delta");
        accepted(portfolio.id(), """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                """.formatted(portfolio.email("ann"), delta));

        UUID offboarding = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");

        assertThat(jdbc.sql("SELECT account_id FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq")
                        .param(offboarding)
                        .query(UUID.class)
                        .list())
                .containsExactlyInAnyOrder(alpha, beta, gamma, delta);
    }

    @Test
    void thePlanOfAnInvitationNamesAddressesWithoutAUserYet() {
        ResolvedTargets targets = resolution.resolve(
                portfolio.id(),
                JobRequestValidation.validate(new InviteUsers(
                        List.of(portfolio.email("ann"), "newcomer@brand.example"),
                        null,
                        List.of(new InviteUsers.AccountInvitation(alpha, AccountRole.MANAGER)),
                        null)));

        List<PlannedTarget> planned = new ArrayList<>();
        resolution.forEach(targets, Long.MAX_VALUE, planned::add);

        assertThat(planned)
                .extracting(PlannedTarget::userId, PlannedTarget::email, PlannedTarget::role)
                .containsExactly(
                        tuple(ann, portfolio.email("ann"), AccountRole.MANAGER),
                        tuple(null, "newcomer@brand.example", AccountRole.MANAGER));
        assertThat(AccessRules.decide(
                                TaskAction.INVITE,
                                AccountRole.MANAGER,
                                planned.getFirst().current(),
                                Instant.now())
                        .reason())
                .isEqualTo(ReasonCode.ALREADY_MEMBER);
        assertThat(planned.get(1).current().membership()).isEmpty();
        assertThat(planned.get(1).current().userIdpManaged()).isFalse();
    }

    /**
     * An invitation, new or resent, expires exactly its days of 24 hours after the submission, whatever
     * the time zone of the session that stores it (the JVM's, which the driver sets): here one whose
     * clocks go forward an hour 10 days from now, so that its 30 days from now last 719 hours. Before,
     * the expiry was that many days of the session's zone: 719 hours here, 721 across the autumn change
     * on a gateway in Europe/Berlin (longer than the 30 days the retention of finished jobs relies on),
     * and gateways in different zones gave different expiries. Rolled back: nothing is stored.
     */
    @Test
    void anInvitationExpiresItsDaysOf24HoursLaterWhateverTheSessionsTimeZone() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // POSIX: standard time at UTC, summer time an hour ahead from 10 days from now for half a year
        // (zero-based days of the year, midnight).
        String zone = "XST0XDT," + (today.plusDays(10).getDayOfYear() - 1) + "/0,"
                + (today.plusDays(190).getDayOfYear() - 1) + "/0";
        Caller caller = new Caller(ADMIN_ID, ADMIN_EMAIL, Map.of());
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            tx.setRollbackOnly();
            jdbc.sql("SELECT set_config('TimeZone', :zone, true)")
                    .param("zone", zone)
                    .query()
                    .singleValue();
            assertThat(jdbc.sql("SELECT extract(epoch FROM (now() + interval '30 days') - now()) / 3600")
                            .query(Double.class)
                            .single())
                    .as("the hours of 30 days of the session's time zone from now")
                    .isEqualTo(719.0);

            UUID invited = submissions
                    .submit(
                            caller,
                            portfolio.id(),
                            UUID.randomUUID().toString(),
                            new InviteUsers(
                                    List.of(portfolio.email("newcomer")),
                                    null,
                                    List.of(new InviteUsers.AccountInvitation(alpha, AccountRole.ANALYST)),
                                    30),
                            null)
                    .job()
                    .id();
            UUID resent = submissions
                    .submit(
                            caller,
                            portfolio.id(),
                            UUID.randomUUID().toString(),
                            new ResendInvitations(List.of(ann), List.of(gamma), 30),
                            null)
                    .job()
                    .id();

            assertThat(jdbc.sql("""
                                    SELECT job_id, extract(epoch FROM expires_at - now()) / 3600 FROM jobs.bulk_tasks
                                    WHERE job_id IN (:invited, :resent)
                                    """)
                            .param("invited", invited)
                            .param("resent", resent)
                            .query((row, n) -> tuple(row.getObject(1, UUID.class), row.getDouble(2)))
                            .list())
                    .as("each task's expiry, in hours after the submission")
                    .containsExactlyInAnyOrder(tuple(invited, 720.0), tuple(resent, 720.0));
        });
    }

    @Test
    void theSubmittedJobHasExactlyThePlannedTasks() {
        UUID bob = portfolio.user("bob");
        portfolio.member(alpha, bob, AccountRole.SUPPORT);
        UpdateRolesBySelection request =
                new UpdateRolesBySelection(List.of(ann, bob), List.of(alpha, beta, gamma), AccountRole.CONTENT_CREATOR);
        List<PlannedTarget> planned = new ArrayList<>();
        resolution.forEach(
                resolution.resolve(portfolio.id(), JobRequestValidation.validate(request)),
                Long.MAX_VALUE,
                planned::add);

        UUID jobId = accepted(portfolio.id(), """
                {"type":"UPDATE_ROLES","userIds":["%s","%s"],"accountIds":["%s","%s","%s"],"role":"CONTENT_CREATOR"}
                """.formatted(ann, bob, alpha, beta, gamma));

        List<List<Object>> stored = jdbc.sql(
                        "SELECT account_id, user_id, role FROM jobs.bulk_tasks" + " WHERE job_id = :id ORDER BY seq")
                .param("id", jobId)
                .query((row, n) -> List.<Object>of(
                        row.getObject("account_id", UUID.class),
                        row.getObject("user_id", UUID.class),
                        row.getString("role")))
                .list();
        assertThat(stored)
                .containsExactlyElementsOf(planned.stream()
                        .map(target -> List.<Object>of(
                                target.accountId(),
                                target.userId(),
                                target.role().code()))
                        .toList());
    }

    @Test
    void anOffboardingOverTheTaskCapIsRefusedAndCreatesNothing() {
        JobsProperties twoTasksAtMost = new JobsProperties(
                2, Duration.ofHours(24), Duration.ofSeconds(5), Duration.ofSeconds(1), DataSize.ofMegabytes(64));
        JobSubmission smallJobs = new JobSubmission(
                new JobPlanning(resolution, twoTasksAtMost),
                resolution,
                jobs,
                jobRepository,
                keys,
                twoTasksAtMost,
                metrics,
                events,
                transactions,
                new JobIds(),
                closureLock,
                concurrency,
                access);
        Caller caller = new Caller(ADMIN_ID, ADMIN_EMAIL, Map.of());

        assertThatThrownBy(() -> smallJobs.submit(
                        caller, portfolio.id(), UUID.randomUUID().toString(), new OffboardUsers(List.of(ann)), null))
                .isInstanceOfSatisfying(RequestRefusedException.class, refused -> {
                    assertThat(refused.reason()).isEqualTo(RequestRefusedException.Reason.TOO_LARGE);
                    assertThat(refused.getMessage())
                            .as("the size is not known past the cap, so no count is given")
                            .contains("more than 2 tasks")
                            .doesNotContainPattern("resolves to \\d");
                });
        assertThat(jobCount(portfolio.id())).isZero();
        assertThat(taskCount(portfolio.id())).isZero();
    }

    /**
     * A plan whose size only the directory tells is walked as the submission stores it, up to one task
     * over the cap, and refused as the submission refuses it: a preview of "offboard everyone" in a
     * portfolio with far more memberships than a job may have reads no more than a plan at the cap.
     */
    @Test
    void walkingAnOffboardingOverTheTaskCapStopsOneTaskOverIt() {
        portfolio
                .member(portfolio.account("Delta"), ann, AccountRole.ANALYST)
                .member(portfolio.account("Epsilon"), ann, AccountRole.ANALYST);
        JobPlanning twoTasksAtMost = new JobPlanning(
                resolution,
                new JobsProperties(
                        2,
                        Duration.ofHours(24),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(1),
                        DataSize.ofMegabytes(64)));
        JobPlanning.Plan plan =
                twoTasksAtMost.plan(portfolio.id(), JobRequestValidation.validate(new OffboardUsers(List.of(ann))));

        List<PlannedTarget> walked = new ArrayList<>();
        twoTasksAtMost.forEachTarget(plan, walked::add);

        assertThat(walked)
                .as("five planned tasks, read up to one over the cap of two")
                .extracting(PlannedTarget::position)
                .containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> twoTasksAtMost.checkCountedTasks(walked.size()))
                .isInstanceOfSatisfying(RequestRefusedException.class, refused -> {
                    assertThat(refused.reason()).isEqualTo(RequestRefusedException.Reason.TOO_LARGE);
                    assertThat(refused.getMessage()).contains("more than 2 tasks");
                });
    }

    @Test
    void aJobWhoseTaskIdsAreTakenIsStoredUnderANewJobId() {
        UUID first = accepted(portfolio.id(), """
                {"type":"OFFBOARD_USERS","userIds":["%s"]}
                """.formatted(ann));
        // A job id with the first job's 80 leading bits: its tasks would get the first job's task ids.
        UUID sharingThePrefix = new UUID(first.getMostSignificantBits(), first.getLeastSignificantBits() ^ 0xABCDEFL);
        UUID fresh = TimeOrderedIds.next();
        Iterator<UUID> drawn = List.of(sharingThePrefix, fresh).iterator();
        JobsProperties defaults = new JobsProperties(
                200_000, Duration.ofHours(24), Duration.ofSeconds(5), Duration.ofSeconds(1), DataSize.ofMegabytes(64));
        JobSubmission submission = new JobSubmission(
                new JobPlanning(resolution, defaults),
                resolution,
                jobs,
                jobRepository,
                keys,
                defaults,
                metrics,
                events,
                transactions,
                new JobIds() {
                    @Override
                    UUID next() {
                        return drawn.next();
                    }
                },
                closureLock,
                concurrency,
                access);
        Caller caller = new Caller(ADMIN_ID, ADMIN_EMAIL, Map.of());

        JobSubmission.Submitted second = submission.submit(
                caller,
                portfolio.id(),
                UUID.randomUUID().toString(),
                new RemoveAccess(List.of(ann), List.of(alpha, beta)),
                null);

        assertThat(second.job().id()).isEqualTo(fresh);
        assertThat(second.job().counts().total()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT job_id, count(*) FROM jobs.bulk_tasks WHERE portfolio_id = :p GROUP BY job_id")
                        .param("p", portfolio.id())
                        .query((row, n) -> tuple(row.getObject(1, UUID.class), row.getLong(2)))
                        .list())
                .as("the first job keeps its tasks; nothing of the attempt under the taken ids is left")
                .containsExactlyInAnyOrder(tuple(first, 3L), tuple(fresh, 2L));
        assertThat(jobCount(portfolio.id())).isEqualTo(2);
    }
}
