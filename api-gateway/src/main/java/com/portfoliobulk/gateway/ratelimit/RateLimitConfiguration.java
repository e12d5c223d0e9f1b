package com.portfoliobulk.gateway.ratelimit;

import com.portfoliobulk.gateway.jobs.JobSubmission;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import java.util.UUID;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Limits job submissions, previews and SCIM requests per portfolio ({@code bulk.gateway.rate-limit.*}), so that
 * one portfolio's automation cannot flood the job store or the directory for everyone; the count is
 * shared by all gateways through the database ({@link PostgresRateWindows}). The check
 * runs before the body is read, so a flood of malformed requests is limited too, and it counts only
 * callers who may change the portfolio: anyone else is refused with 403 by the endpoint and cannot
 * use up the portfolio's allowance. A submission whose {@code Idempotency-Key} names an existing job
 * is counted apart, as a replay, with the submissions' limit: a retry after a lost answer gets its
 * job when the portfolio's submissions are used up, and one that turns out not to be its job's
 * replay counts as a submission as well; one that turns out to create a job (its key expired while
 * its body was read) needs a permit of the submissions like any new job.
 */
@Configuration(proxyBeanMethods = false)
class RateLimitConfiguration implements WebMvcConfigurer {

    static final String SUBMISSIONS_PATH = "/api/v1/portfolios/{portfolioId}/bulk-jobs";

    static final String PREVIEWS_PATH = "/api/v1/portfolios/{portfolioId}/bulk-jobs/preview";

    static final String SCIM_PATH = "/scim/v2/portfolios/{portfolioId}/**";

    private final PortfolioAccess access;

    private final JobSubmission jobs;

    private final PortfolioRateLimits submissions;

    private final PortfolioRateLimits replays;

    private final PortfolioRateLimits previews;

    private final PortfolioRateLimits scim;

    private final PostgresRateWindows windows;

    RateLimitConfiguration(
            PortfolioAccess access,
            JobSubmission jobs,
            RateLimitProperties properties,
            DataSourceProperties database,
            MeterRegistry meters) {
        this.access = access;
        this.jobs = jobs;
        this.windows = new PostgresRateWindows(
                database.determineUrl(),
                database.determineUsername(),
                database.determinePassword(),
                properties.poolSize(),
                properties.timeout());
        this.submissions = new PortfolioRateLimits("submissions", properties.submissions(), windows, meters);
        this.replays = new PortfolioRateLimits("replays", properties.submissions(), windows, meters);
        this.previews = new PortfolioRateLimits("previews", properties.previews(), windows, meters);
        this.scim = new PortfolioRateLimits("scim", properties.scim(), windows, meters);
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new LimitPosts(submissions, replays)).addPathPatterns(SUBMISSIONS_PATH);
        registry.addInterceptor(new LimitPosts(previews, null)).addPathPatterns(PREVIEWS_PATH);
        registry.addInterceptor(new LimitScim(scim)).addPathPatterns(SCIM_PATH);
    }

    @Scheduled(
            fixedDelayString = "${bulk.gateway.rate-limit.sweep-interval:5m}",
            initialDelayString = "${bulk.gateway.rate-limit.sweep-interval:5m}")
    void forgetIdlePortfolios() {
        submissions.forgetIdle();
        replays.forgetIdle();
        previews.forgetIdle();
        scim.forgetIdle();
        try {
            windows.forgetEnded();
        } catch (RateWindows.Unavailable ex) {
            // Ended windows do no harm; the next sweep deletes them.
        }
    }

    @PreDestroy
    void closeWindows() {
        windows.close();
    }

    /**
     * Refuses a POST of a caller who may not change the portfolio of the path (403, the controller's own
     * refusal) before its body is read: such a caller could otherwise have bodies of up to the size
     * limit parsed as often as they liked, with no permit taken. Takes a permit for each POST of a
     * caller who may.
     *
     * <p>A submission whose {@code Idempotency-Key} names a job the portfolio has already takes a
     * permit of the replays instead, so that a retry after a lost answer gets its job even when the
     * portfolio's submissions are used up. Whether it is that job's replay shows only once its body
     * has been read, so one answered with anything else (another body, a malformed one) takes a permit
     * of the submissions afterwards, without being refused: it cost what any submission costs. A flood
     * of them thus uses up the submissions too, and the replays' own limit refuses it before its
     * bodies are read. One whose key has expired by the time its body is read would create a job: the
     * submission takes a permit of the submissions first, through {@link JobSubmission#BEFORE_NEW_JOB},
     * and is refused like any new job when none is left; it is then counted once, not again afterwards.
     */
    private final class LimitPosts implements HandlerInterceptor {

        /** The request attribute holding the portfolio of a submission let in as a replay. */
        private static final String REPLAY_OF = LimitPosts.class.getName() + ".replayOf";

        private final PortfolioRateLimits limits;

        /** Where submissions with the key of an existing job are counted, or null where all count alike. */
        private final PortfolioRateLimits replays;

        LimitPosts(PortfolioRateLimits limits, PortfolioRateLimits replays) {
            this.limits = limits;
            this.replays = replays;
        }

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            if (!HttpMethod.POST.matches(request.getMethod())) {
                return true;
            }
            UUID portfolioId = portfolioId(request);
            if (portfolioId == null) {
                return true;
            }
            access.requireChange(portfolioId);
            if (replays != null
                    && jobs.namesAnExistingJob(portfolioId, request.getHeader(JobSubmission.IDEMPOTENCY_KEY))) {
                replays.acquire(portfolioId);
                request.setAttribute(REPLAY_OF, portfolioId);
                request.setAttribute(JobSubmission.BEFORE_NEW_JOB, (Runnable) () -> {
                    // Counted as a submission now, whether admitted or refused: not again afterwards.
                    request.removeAttribute(REPLAY_OF);
                    limits.acquire(portfolioId);
                });
            } else {
                limits.acquire(portfolioId);
            }
            return true;
        }

        @Override
        public void afterCompletion(
                HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
            if (request.getAttribute(REPLAY_OF) instanceof UUID portfolioId && !(ex == null && replayed(response))) {
                limits.count(portfolioId);
            }
        }

        private static boolean replayed(HttpServletResponse response) {
            return response.getStatus() == HttpStatus.ACCEPTED.value()
                    && "true".equals(response.getHeader(JobSubmission.IDEMPOTENT_REPLAYED));
        }
    }

    /**
     * Takes a permit for every SCIM request: its security chain has already checked that the SCIM
     * token is the path portfolio's, so only that portfolio's identity provider uses up its allowance.
     */
    private static final class LimitScim implements HandlerInterceptor {

        private final PortfolioRateLimits limits;

        LimitScim(PortfolioRateLimits limits) {
            this.limits = limits;
        }

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
            UUID portfolioId = portfolioId(request);
            if (portfolioId != null && authentication != null && authentication.isAuthenticated()) {
                limits.acquire(portfolioId);
            }
            return true;
        }
    }

    /**
     * The portfolio of the path, read as the endpoints read it ({@link CanonicalUuids}); null for any
     * other spelling, which the endpoint answers 400 without counting it: read more leniently, a
     * shortened id such as {@code 0-0-0-0-1} would be refused as another portfolio's (403) or use up
     * the allowance of the portfolio it stands for.
     */
    private static UUID portfolioId(HttpServletRequest request) {
        if (!(request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> path)
                || !(path.get("portfolioId") instanceof String id)) {
            return null;
        }
        return CanonicalUuids.parse(id);
    }
}
