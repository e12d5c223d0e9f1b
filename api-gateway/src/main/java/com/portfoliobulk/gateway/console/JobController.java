package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The Jobs page and one job: live progress (the progress panel polls with the API's ETag, so an
 * unchanged job costs a {@code 304} and no rendering), counts, per-task outcomes with filters, the
 * task CSV and Cancel.
 */
@Controller
class JobController {

    private static final Set<String> TERMINAL = Set.of("COMPLETED", "COMPLETED_WITH_ERRORS", "CANCELLED");

    /** Refusals of a poll that the next one would get again: access withdrawn, the job or portfolio gone. */
    private static final Set<Integer> LASTING_REFUSALS = Set.of(403, 404, 410);

    private static final Formats FORMATS = new Formats();

    /** The bounds of the progress panel's polling interval, in seconds ({@link #pollSeconds}). */
    private static final long MIN_POLL_SECONDS = 1;

    private static final long MAX_POLL_SECONDS = 60;

    /** The flash attribute that hands the job's page the tag its cancellation answered. */
    private static final String CANCELLED_TAG = "cancelledTag";

    private final GatewayApi api;

    private final ConsolePages pages;

    JobController(GatewayApi api, ConsolePages pages) {
        this.api = api;
        this.pages = pages;
    }

    @GetMapping("/console/portfolios/{portfolioId}/jobs")
    String jobs(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String type,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "jobs");
        Map<String, Object> jobs = api.jobs(user, portfolioId, status, type, pages.pageSize(), cursor);
        model.addAttribute("jobs", ConsolePages.items(jobs));
        model.addAttribute("nextCursor", ConsolePages.nextCursor(jobs));
        model.addAttribute("status", status);
        model.addAttribute("type", type);
        return "console/jobs";
    }

    @GetMapping("/console/portfolios/{portfolioId}/jobs/{jobId}")
    String job(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID jobId,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String reason,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "jobs");
        // Led here by a cancel, the page asks for the job no older than the cancellation's tag: another
        // gateway than the one that cancelled may serve it, whose status answer could otherwise be a read
        // from before (the job running, with its Cancel). A 304 says the job is as cancelled: read it then.
        ResponseEntity<Map<String, Object>> answer = (model.getAttribute(CANCELLED_TAG) instanceof String tag
                        ? api.job(user, portfolioId, jobId, tag)
                        : Optional.<ResponseEntity<Map<String, Object>>>empty())
                .or(() -> api.job(user, portfolioId, jobId, null))
                .orElseThrow();
        Map<String, Object> job = answer.getBody();
        model.addAttribute("job", job);
        model.addAttribute("pollSeconds", pollSeconds(answer.getHeaders()));
        model.addAttribute("terminal", TERMINAL.contains(String.valueOf(job.get("status"))));
        Map<String, Object> tasks = api.tasks(user, portfolioId, jobId, status, reason, pages.pageSize(), cursor);
        model.addAttribute("tasks", ConsolePages.items(tasks));
        model.addAttribute("accountNames", pages.accountNames(portfolioId, ConsolePages.items(tasks)));
        pages.roleNames(model, portfolioId);
        model.addAttribute("nextCursor", ConsolePages.nextCursor(tasks));
        model.addAttribute("status", status);
        model.addAttribute("reason", reason);
        return "console/job";
    }

    /**
     * The progress panel, polled by htmx while the job runs. The job's ETag is handed on: the
     * browser revalidates with it and gets {@code 304} while nothing changed. Once the job has
     * ended, the whole page reloads once to show the final task outcomes, and polling stops.
     *
     * <p>A refusal the next poll would get again (the job is gone, or the administrator's access to
     * it) also reloads the whole page, which then shows the refusal and polls no more: htmx swaps in
     * no error answer, so the panel would otherwise go on polling and showing the last progress it
     * read, as if the job were still running. A refusal that may pass (the API busy, a timeout) keeps
     * the page: its next poll tries again.
     */
    @GetMapping("/console/portfolios/{portfolioId}/jobs/{jobId}/progress")
    String progress(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID jobId,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch,
            @RequestHeader(name = "HX-Request", required = false) String htmx,
            HttpServletResponse response,
            Model model) {
        Optional<ResponseEntity<Map<String, Object>>> answer;
        try {
            pages.portfolio(model, user, portfolioId, "jobs");
            answer = api.job(user, portfolioId, jobId, ifNoneMatch);
        } catch (ApiProblem problem) {
            reloadOnLastingRefusal(problem.status(), htmx, response);
            throw problem;
        } catch (RequestRefusedException refused) {
            reloadOnLastingRefusal(refused.reason().status().value(), htmx, response);
            throw refused;
        }
        response.setHeader(HttpHeaders.CACHE_CONTROL, "private, no-cache");
        if (answer.isEmpty()) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            response.setHeader(HttpHeaders.ETAG, ifNoneMatch);
            return null;
        }
        String etag = answer.get().getHeaders().getETag();
        if (etag != null) {
            response.setHeader(HttpHeaders.ETAG, etag);
        }
        Map<String, Object> job = answer.get().getBody();
        boolean terminal = TERMINAL.contains(String.valueOf(job.get("status")));
        if (terminal && htmx != null) {
            response.setHeader("HX-Refresh", "true");
        }
        model.addAttribute("job", job);
        model.addAttribute("terminal", terminal);
        model.addAttribute("pollSeconds", pollSeconds(answer.get().getHeaders()));
        return "console/job :: progress";
    }

    /**
     * How often the progress panel polls: every {@code Retry-After} seconds of the API's status answer
     * ({@code bulk.gateway.jobs.poll-interval}), from {@value #MIN_POLL_SECONDS} to {@value
     * #MAX_POLL_SECONDS}; every {@value #MIN_POLL_SECONDS} s when the answer has none or one in seconds
     * that cannot be read.
     */
    static long pollSeconds(HttpHeaders answer) {
        String retryAfter = answer.getFirst(HttpHeaders.RETRY_AFTER);
        if (retryAfter == null || !retryAfter.strip().matches("\\d{1,9}")) {
            return MIN_POLL_SECONDS;
        }
        return Math.clamp(Long.parseLong(retryAfter.strip()), MIN_POLL_SECONDS, MAX_POLL_SECONDS);
    }

    /** A poll refused for good reloads the page, which shows the refusal (the console's error page). */
    private static void reloadOnLastingRefusal(int status, String htmx, HttpServletResponse response) {
        if (htmx != null && LASTING_REFUSALS.contains(status)) {
            response.setHeader("HX-Refresh", "true");
        }
    }

    @GetMapping("/console/portfolios/{portfolioId}/jobs/{jobId}/tasks.csv")
    void csv(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID jobId,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String reason,
            HttpServletResponse response) {
        // The response is a download only once the API has accepted the request: a refusal is an
        // ApiProblem, shown as the console's error page on a response nothing was written to.
        api.tasksCsv(user, portfolioId, jobId, status, reason, () -> {
            response.setContentType("text/csv;charset=UTF-8");
            response.setHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"job-" + jobId + "-tasks.csv\"");
            return response.getOutputStream();
        });
    }

    /**
     * Asks before the job is cancelled, saying what happens: its pending tasks are not applied, and
     * those applied stay. Only the page's form cancels. A job that has ended, or an administrator who
     * may not cancel it, is led back to the job (also when the address is opened again after the cancel).
     */
    @GetMapping("/console/portfolios/{portfolioId}/jobs/{jobId}/cancel")
    String confirmCancel(ConsoleUser user, @PathVariable UUID portfolioId, @PathVariable UUID jobId, Model model) {
        pages.portfolio(model, user, portfolioId, "jobs");
        String address = "/console/portfolios/" + portfolioId + "/jobs/" + jobId;
        Map<String, Object> job =
                api.job(user, portfolioId, jobId, null).orElseThrow().getBody();
        if (!Boolean.TRUE.equals(model.getAttribute("canChange"))
                || TERMINAL.contains(String.valueOf(job.get("status")))) {
            return "redirect:" + address;
        }
        Map<?, ?> counts = job.get("counts") instanceof Map<?, ?> map ? map : Map.of();
        String name = String.valueOf(job.get("jobId")).substring(0, 8) + " (" + FORMATS.words(job.get("type")) + ")";
        List<String> losses = List.of(
                "Its pending tasks (" + counts.get("pending") + " now) are not applied: they end Cancelled,"
                        + " with the reason Job cancelled.",
                "Tasks already applied (" + counts.get("succeeded") + " so far) stay applied, as does a task being"
                        + " applied at that moment: cancelling undoes none of them.",
                "A cancelled job cannot be resumed: to apply the rest, review and submit the change again.");
        return new Confirmation(
                        "Cancel job " + name,
                        "Cancel the job " + name + "?",
                        losses,
                        address + "/cancel",
                        "Cancel the job",
                        Map.of(),
                        address,
                        "Keep the job running")
                .show(model);
    }

    @PostMapping("/console/portfolios/{portfolioId}/jobs/{jobId}/cancel")
    String cancel(
            ConsoleUser user, @PathVariable UUID portfolioId, @PathVariable UUID jobId, RedirectAttributes redirect) {
        try {
            String tag = api.cancel(user, portfolioId, jobId).getHeaders().getETag();
            redirect.addFlashAttribute("notice", "Cancelled: pending tasks will not be applied.");
            if (tag != null) {
                redirect.addFlashAttribute(CANCELLED_TAG, tag);
            }
        } catch (ApiProblem problem) {
            if (problem.status() != 409) {
                throw problem;
            }
            redirect.addFlashAttribute("notice", problem.detail());
        }
        return "redirect:/console/portfolios/" + portfolioId + "/jobs/" + jobId;
    }
}
