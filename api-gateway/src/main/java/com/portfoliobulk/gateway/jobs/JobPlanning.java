package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.directory.PortfolioNotFoundException;
import com.portfoliobulk.gateway.web.FieldProblem;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;

/**
 * The jobs feature's planning API, used by the submission and the preview alike so both plan the
 * same way: a validated request ({@link JobRequestValidation}), the cap on a job's tasks, and the
 * plan of a request (its targets resolved against the directory, streamed in plan order). How
 * targets are resolved (the SQL) stays inside the feature.
 */
@Service
public class JobPlanning {

    private final TargetResolution resolution;

    private final JobsProperties properties;

    JobPlanning(TargetResolution resolution, JobsProperties properties) {
        this.resolution = resolution;
        this.properties = properties;
    }

    /**
     * The plan of a validated request in the portfolio, refused when its size is known already and
     * over the cap.
     *
     * @throws PortfolioNotFoundException when the portfolio does not exist
     * @throws InvalidJobRequestException when accounts or users are not the portfolio's
     */
    public Plan plan(UUID portfolioId, ValidatedJobRequest request) {
        checkTaskCap(request.knownTaskCount().orElse(0));
        return new Plan(resolution.resolve(portfolioId, request));
    }

    /**
     * Streams the plan's targets in plan order, the order a submission stores its tasks in, and stops
     * one over the cap as the submission's insert does: a plan over the cap costs no more to walk than
     * one at the cap, whatever its size. {@link #checkCountedTasks} then refuses it.
     */
    public void forEachTarget(Plan plan, Consumer<PlannedTarget> action) {
        resolution.forEach(plan.targets(), properties.maxTasksPerJob() + 1L, action);
    }

    /**
     * Refuses a plan of more tasks than a job may have ({@code bulk.gateway.jobs.max-tasks-per-job}).
     *
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException TOO_LARGE naming the count and the cap
     */
    public void checkTaskCap(long tasks) {
        if (tasks > properties.maxTasksPerJob()) {
            throw JobProblems.tooManyTasks(tasks, properties.maxTasksPerJob());
        }
    }

    /**
     * Refuses a plan that storing or walking it ({@link #forEachTarget}) found over the cap, or empty:
     * {@code counted} is how many tasks were stored or walked, at most one over the cap, not the plan's
     * size. The submission and the preview both decide with this, so they refuse alike.
     *
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException TOO_LARGE naming the cap
     * @throws InvalidJobRequestException when the plan has no task: nothing to do (422)
     */
    public void checkCountedTasks(long counted) {
        if (counted > properties.maxTasksPerJob()) {
            throw JobProblems.moreTasksThan(properties.maxTasksPerJob());
        }
        if (counted == 0) {
            throw nothingToDo();
        }
    }

    /**
     * A plan of no task. Resolution accepts only users with some tie to the portfolio, but an
     * offboarding can still plan nothing: its users' access went in the meantime, or their only tie
     * is an invitation a running job is to send to an account since unlinked.
     */
    private static InvalidJobRequestException nothingToDo() {
        return new InvalidJobRequestException(
                "The request resolves to no task: none of the users has access to any linked account of the"
                        + " portfolio any more. Nothing to do.",
                List.of(new FieldProblem("userIds", "no membership in the portfolio's accounts: nothing to do")));
    }

    /** A request's plan: its targets resolved, ready to stream or to store. */
    public static final class Plan {

        private final ResolvedTargets targets;

        private Plan(ResolvedTargets targets) {
            this.targets = targets;
        }

        public UUID portfolioId() {
            return targets.portfolioId();
        }

        public ValidatedJobRequest request() {
            return targets.request();
        }

        ResolvedTargets targets() {
            return targets;
        }
    }
}
