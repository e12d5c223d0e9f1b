package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.contracts.OneLineNames;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.PortfolioNotFoundException;
import com.portfoliobulk.gateway.jobs.InvalidJobRequestException;
import com.portfoliobulk.gateway.jobs.JobPlanning;
import com.portfoliobulk.gateway.jobs.JobRequest;
import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.jobs.OffboardUsers;
import com.portfoliobulk.gateway.jobs.PlannedTarget;
import com.portfoliobulk.gateway.jobs.PortfolioConcurrencyLimit;
import com.portfoliobulk.gateway.jobs.ValidatedJobRequest;
import com.portfoliobulk.gateway.security.BuiltInPortfolioRole;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.internalauth.SharedKeys;
import com.portfoliobulk.rules.AccessRules;
import com.portfoliobulk.rules.CurrentMembership;
import com.portfoliobulk.rules.Decision;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Shows what a bulk job request would do now, without doing it: the plan a submission of the same
 * request would store (the same validation, the same resolution, the same order), each task decided
 * by {@link AccessRules#decide} with what the worker decides it from (is the account linked, is the
 * user IdP-managed, the current membership, the time), and a summary of the whole plan.
 *
 * <p>The plan streams by in one query joined with the directory, read in one read-only snapshot, so
 * the summary and the page agree with each other; only the summary's counters and at most two pages
 * of items are held in memory, whatever the plan's size. A plan over the task cap is read up to one
 * task over it, as the submission stores it, and refused as the submission refuses it. The walk is
 * one of its portfolio's submissions, previews and cancellations that the gateway runs at once ({@link
 * PortfolioConcurrencyLimit}), as it holds a database connection throughout.
 */
@Service
class JobPreview {

    private final JobPlanning planning;

    private final JdbcClient jdbc;

    private final TransactionTemplate snapshot;

    private final SharedKeys<DerivedKeys.Key> cursorKeys;

    private final PortfolioConcurrencyLimit concurrency;

    JobPreview(
            JobPlanning planning,
            JdbcClient jdbc,
            PlatformTransactionManager transactions,
            DerivedKeys keys,
            PortfolioConcurrencyLimit concurrency) {
        this.planning = planning;
        this.jdbc = jdbc;
        this.concurrency = concurrency;
        this.cursorKeys = keys.key(PreviewCursor.PURPOSE);
        this.snapshot = new TransactionTemplate(transactions);
        this.snapshot.setReadOnly(true);
        this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    }

    /**
     * One page of the plan of {@code request} and the summary of the whole plan.
     *
     * @throws InvalidJobRequestException as the submission would (422)
     * @throws PortfolioNotFoundException when the portfolio does not exist (404)
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException when the plan has more tasks than a job
     *     may have (413)
     * @throws com.portfoliobulk.contracts.paging.InvalidPageRequestException when the cursor belongs to
     *     another request (400)
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException when as many of the portfolio's
     *     submissions, previews and cancellations as the gateway runs at once were running (503)
     */
    PreviewPage preview(UUID portfolioId, JobRequest request, PageRequest paging) {
        ValidatedJobRequest validated = JobRequestValidation.validate(request);
        planning.checkTaskCap(validated.knownTaskCount().orElse(0));
        String planKey = PreviewCursor.planKey(portfolioId, validated, cursorKeys.current());
        PreviewCursor after = PreviewCursor.of(paging, portfolioId, validated, cursorKeys);
        return concurrency.run(
                portfolioId,
                PortfolioConcurrencyLimit.Work.PREVIEW,
                () -> walk(portfolioId, validated, paging, planKey, after));
    }

    /** Walks the whole plan in one snapshot: the summary of it and the page after {@code after}. */
    private PreviewPage walk(
            UUID portfolioId, ValidatedJobRequest validated, PageRequest paging, String planKey, PreviewCursor after) {
        return snapshot.execute(status -> {
            JobPlanning.Plan plan = planning.plan(portfolioId, validated);
            Instant now = jdbc.sql("SELECT now()")
                    .query(OffsetDateTime.class)
                    .single()
                    .toInstant();
            PlanTally tally = new PlanTally();
            PageWindow window = new PageWindow(paging.limit(), after, planKey, cursorKeys.current());
            planning.forEachTarget(plan, target -> {
                Decision decision = AccessRules.decide(target.action(), target.role(), target.current(), now);
                tally.count(decision);
                window.offer(target, decision);
            });
            // The plan is counted while it is walked, up to one over the cap: a plan over the cap answers
            // the submission's 413 without the rest of it being read, a plan of no task its 422.
            planning.checkCountedTasks(tally.total());
            PageWindow.Page page = window.page();
            PreviewSummary summary = tally.summary();
            if (validated.request() instanceof OffboardUsers offboarding) {
                summary = summary.withPortfolioUsers(portfolioUsers(portfolioId, offboarding.userIds()));
            }
            return new PreviewPage(
                    summary,
                    page.entries().stream()
                            .map(entry -> item(entry.target(), entry.decision(), now))
                            .toList(),
                    page.next() == null ? null : page.next().encode());
        });
    }

    /**
     * The users an offboarding names who hold a portfolio role, which it leaves them, by address: one
     * query, whatever the number of users (the portfolio's few portfolio users are what it finds).
     */
    private List<PreviewPortfolioUser> portfolioUsers(UUID portfolioId, List<UUID> userIds) {
        return jdbc.sql("""
                        SELECT p.user_id, p.email, p.role, r.name
                          FROM jobs.portfolio_users p
                          LEFT JOIN jobs.portfolio_roles r ON r.portfolio_id = p.portfolio_id AND r.code = p.role
                         WHERE p.portfolio_id = :portfolioId AND p.user_id = ANY(:userIds)
                         ORDER BY p.email, p.user_id
                        """)
                .param("portfolioId", portfolioId)
                .param("userIds", PostgresArrays.uuids(userIds))
                .query((row, number) -> {
                    String role = row.getString("role");
                    String custom = row.getString("name");
                    String name = BuiltInPortfolioRole.of(role)
                            .map(BuiltInPortfolioRole::displayName)
                            .orElseGet(() -> custom == null ? role : OneLineNames.shown(custom));
                    return new PreviewPortfolioUser(
                            row.getObject("user_id", UUID.class), row.getString("email"), role, name);
                })
                .list();
    }

    /**
     * The item of one planned task. An invitation names the user only when it is one of the portfolio's
     * users, as the plan (and the stored task) does, so that the preview does not tell who else has an
     * account in the product.
     */
    private static PreviewItem item(PlannedTarget target, Decision decision, Instant now) {
        // What the worker records as the previous role: access in force now (an expired invitation is none).
        Optional<CurrentMembership> current = target.current().membership().filter(m -> m.isInForceAt(now));
        return new PreviewItem(
                target.accountId(),
                target.userId(),
                target.email(),
                target.action(),
                current.map(CurrentMembership::role).orElse(null),
                current.map(CurrentMembership::state).orElse(null),
                target.role(),
                decision.outcome(),
                decision.reason());
    }
}
