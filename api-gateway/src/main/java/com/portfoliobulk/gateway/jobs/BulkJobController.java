package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.ETag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Bulk jobs: submit, follow, list, read task outcomes (JSON pages or a CSV download) and cancel.
 * Reading needs the Portfolio Owner, User Management EDIT or VIEW; submitting and cancelling need the Portfolio Owner
 * or User Management EDIT.
 */
@Tag(name = "Bulk jobs", description = "Submit bulk access changes as jobs, follow them, cancel them.")
@ApiResponse(responseCode = "401", description = "No valid bearer token.")
@ApiResponse(responseCode = "403", description = "The caller lacks the needed permission on the portfolio.")
@RestController
@RequestMapping("/api/v1/portfolios/{portfolioId}/bulk-jobs")
class BulkJobController {

    private static final MediaType CSV = new MediaType("text", "csv", StandardCharsets.UTF_8);

    /** The ETag of an answer that carries the job (its status's, its submission's, its cancellation's). */
    private static final String JOB_TAG =
            "The job's tag now, as its status answers it; changes whenever the job" + " changes.";

    /** A status tag's value: the job row's version (at most 18 digits, so that it is a long). */
    private static final Pattern VERSION = Pattern.compile("\\d{1,18}");

    /** The Retry-After of the job's status while it runs. */
    private static final String POLL_AGAIN = "Seconds to wait before polling; absent once finished.";

    private final PortfolioAccess access;

    private final JobSubmission submission;

    private final JobProgress progress;

    private final JobCancellation cancellation;

    private final JobsProperties properties;

    BulkJobController(
            PortfolioAccess access,
            JobSubmission submission,
            JobProgress progress,
            JobCancellation cancellation,
            JobsProperties properties) {
        this.access = access;
        this.submission = submission;
        this.progress = progress;
        this.cancellation = cancellation;
        this.properties = properties;
    }

    @Operation(
            summary = "Submit a bulk job",
            description = "Validates the request, resolves its targets against the directory (OFFBOARD_USERS expands"
                    + " to every linked account where the user has a membership, access or an invitation, also"
                    + " one that has expired, which its task skips as NOT_A_MEMBER, and to those a running"
                    + " invitation job is still to invite them to) and stores the job with one task per"
                    + " (account, user). Answers at once; the tasks are applied asynchronously. The same"
                    + " Idempotency-Key with the same body within the configured window"
                    + " (`bulk.gateway.jobs.idempotency-key-ttl`, default 24 hours) answers the same job.")
    @ApiResponse(
            responseCode = "202",
            description = "Accepted (or replayed); poll the Location.",
            headers = {
                @Header(name = "Location", description = "The job's URL."),
                @Header(name = "Retry-After", description = "Seconds to wait before polling."),
                @Header(name = "ETag", description = JOB_TAG),
                @Header(name = "Idempotent-Replayed", description = "`true` when an earlier submission created it.")
            })
    @ApiResponse(
            responseCode = "400",
            description = "Malformed JSON, unknown type, wrong field types, missing or too long Idempotency-Key.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @ApiResponse(
            responseCode = "409",
            description = "A submission with the same Idempotency-Key is still being created; retry after Retry-After"
                    + " seconds with the same key to get its job.",
            headers = @Header(name = "Retry-After", description = "Seconds to wait before retrying."))
    @ApiResponse(
            responseCode = "413",
            description = "The request resolves to more tasks than a job may have, or the body is too large.")
    @ApiResponse(
            responseCode = "422",
            description = "Invalid content (empty lists, malformed or duplicate entries, OWNER as a role, accounts or"
                    + " users not of this portfolio, nothing to do), or the Idempotency-Key was used with another"
                    + " body. `errors` names the fields.")
    @ApiResponse(
            responseCode = "429",
            description = "Too many submissions for the portfolio in the current period; retry after Retry-After"
                    + " seconds. RateLimit-Policy names the policy used up: `submissions`, or `replays` for a"
                    + " key that names an existing job.")
    @ApiResponse(
            responseCode = "503",
            description = "The gateway cannot reach its database or a service it needs, or is handling as many"
                    + " request bodies as it may at once, or is running as many of the portfolio's submissions,"
                    + " previews and cancellations as it runs at once (`bulk.gateway.rate-limit.max-concurrent-per-portfolio`, 2) and"
                    + " none ended within 2 s. Nothing was changed; retry after Retry-After seconds.")
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> submit(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(
                            in = ParameterIn.HEADER,
                            required = true,
                            description = "A unique value per job (1-255 characters), e.g. a UUID; resending it"
                                    + " with the same body answers the same job.")
                    @RequestHeader(name = JobSubmission.IDEMPOTENCY_KEY, required = false)
                    String idempotencyKey,
            @RequestBody JobRequest request,
            @RequestAttribute(name = JobSubmission.BEFORE_NEW_JOB, required = false) Runnable beforeNewJob) {
        Caller caller = access.requireChange(portfolioId);
        JobSubmission.Submitted submitted =
                submission.submit(caller, portfolioId, idempotencyKey, request, beforeNewJob);
        ResponseEntity.BodyBuilder answer = ResponseEntity.accepted()
                .location(ServletUriComponentsBuilder.fromCurrentRequestUri()
                        .path("/{jobId}")
                        .buildAndExpand(submitted.job().id())
                        .toUri())
                .header(HttpHeaders.RETRY_AFTER, properties.retryAfterSeconds())
                .eTag(submitted.job().etag());
        if (submitted.replayed()) {
            answer.header(JobSubmission.IDEMPOTENT_REPLAYED, "true");
        }
        return answer.body(submitted.job().view());
    }

    @Operation(
            summary = "Get a job's status",
            description = "Counts per task status and percent done, from the job row alone, so it is cheap to poll."
                    + " Send the ETag back in If-None-Match to get 304 while nothing changed; the answer is never of"
                    + " an older version than the one it names, whichever gateway gave it. Answers carry"
                    + " `Cache-Control: no-store` (the job names who requested it): a client keeps the ETag"
                    + " itself to send it back.")
    @ApiResponse(
            responseCode = "200",
            description = "The job. While it is not finished, Retry-After suggests when to poll again.",
            headers = {
                @Header(name = "ETag", description = JOB_TAG),
                @Header(name = "Retry-After", description = POLL_AGAIN)
            })
    @ApiResponse(
            responseCode = "304",
            description = "Not modified since the ETag in If-None-Match.",
            headers = @Header(name = "Retry-After", description = POLL_AGAIN))
    @ApiResponse(responseCode = "404", description = "No such job in this portfolio.")
    // Read through the WebRequest below, so declared here.
    @Parameter(
            name = HttpHeaders.IF_NONE_MATCH,
            in = ParameterIn.HEADER,
            required = false,
            description = "The ETag of an earlier answer of this job (several, comma-separated, or `*` for any):"
                    + " 304 without a body while the job is still that version.",
            schema = @Schema(type = "string", example = "\"42\""))
    // Not "preview": that path is the preview's (POST), so a GET of it is a 405 naming POST, not a job id
    // that is not a UUID.
    @GetMapping(path = "/{jobId:(?!preview$).+}", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> job(@PathVariable UUID portfolioId, @PathVariable UUID jobId, WebRequest request) {
        access.requireView(portfolioId);
        Job job =
                progress.status(portfolioId, jobId, newestVersion(request.getHeaderValues(HttpHeaders.IF_NONE_MATCH)));
        // Compares If-None-Match with the tag (weakly, as RFC 9110 asks) and marks the answer 304; "*"
        // matches any tag of a job that exists.
        boolean unchanged = "*"
                        .equals(String.valueOf(request.getHeader(HttpHeaders.IF_NONE_MATCH))
                                .strip())
                || request.checkNotModified(job.etag());
        ResponseEntity.BodyBuilder answer =
                unchanged ? ResponseEntity.status(HttpStatus.NOT_MODIFIED) : ResponseEntity.ok();
        // Not stored by browsers or shared caches: the job names who requested it (requestedBy.email),
        // which must not stay on a shared computer's disk. A client that keeps the ETag itself still gets
        // 304 with If-None-Match.
        answer.eTag(job.etag()).cacheControl(CacheControl.noStore());
        if (!job.status().isTerminal()) {
            answer.header(HttpHeaders.RETRY_AFTER, properties.retryAfterSeconds());
        }
        return unchanged ? answer.build() : answer.body(job.view());
    }

    /**
     * The newest version of the job that the If-None-Match tags name (a status tag is the row's version,
     * sent back weak or strong, one or several), if any: the client learnt it from an answer of this
     * gateway or of another, so the answer is not older. "*" and tags that are not a version name none.
     */
    private static OptionalLong newestVersion(String[] ifNoneMatch) {
        OptionalLong newest = OptionalLong.empty();
        for (String value : ifNoneMatch == null ? new String[0] : ifNoneMatch) {
            for (ETag tag : ETag.parse(value)) {
                if (!tag.isWildcard() && VERSION.matcher(tag.tag()).matches()) {
                    long version = Long.parseLong(tag.tag());
                    if (newest.isEmpty() || version > newest.getAsLong()) {
                        newest = OptionalLong.of(version);
                    }
                }
            }
        }
        return newest;
    }

    @Operation(
            summary = "List a job's tasks",
            description = "Per-task outcomes in task order, filtered and cursor-paged. With `Accept: text/csv` the"
                    + " whole filtered list streams as a CSV download (limit and cursor do not apply).")
    @ApiResponse(responseCode = "200", description = "One page of tasks, or all of them as CSV.")
    @ApiResponse(responseCode = "400", description = "A filter, limit or cursor cannot be used.")
    @ApiResponse(responseCode = "404", description = "No such job in this portfolio.")
    @GetMapping(path = "/{jobId}/tasks", produces = MediaType.APPLICATION_JSON_VALUE)
    Page<TaskView> tasks(
            @PathVariable UUID portfolioId,
            @PathVariable UUID jobId,
            @Parameter(description = "Only tasks in this state.") @RequestParam(required = false) TaskStatus status,
            @Parameter(description = "Only tasks with this reason.") @RequestParam(required = false) ReasonCode reason,
            @Parameter(description = "Only tasks on this account.") @RequestParam(required = false) UUID accountId,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        return progress.tasks(
                portfolioId, jobId, new TaskFilter(status, reason, accountId), page.request(JobProgress.TASKS, jobId));
    }

    @Operation(hidden = true)
    @GetMapping(path = "/{jobId}/tasks", produces = "text/csv")
    ResponseEntity<StreamingResponseBody> tasksAsCsv(
            @PathVariable UUID portfolioId,
            @PathVariable UUID jobId,
            @RequestParam(required = false) TaskStatus status,
            @RequestParam(required = false) ReasonCode reason,
            @RequestParam(required = false) UUID accountId,
            // Taken only to be refused with a reason: the download has no pages.
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String cursor) {
        if (limit != null || cursor != null) {
            throw new InvalidParameterException(
                    limit != null ? "limit" : "cursor",
                    "does not apply to the CSV download, which lists every matching task; remove it, or page"
                            + " through the JSON list (Accept: application/json)");
        }
        access.requireView(portfolioId);
        progress.job(portfolioId, jobId);
        TaskFilter filter = new TaskFilter(status, reason, accountId);
        StreamingResponseBody body = out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 64 * 1024);
            TaskCsv csv = new TaskCsv(writer);
            csv.header();
            progress.forEachTask(portfolioId, jobId, filter, csv::task);
            writer.flush();
        };
        return ResponseEntity.ok()
                .contentType(CSV)
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename("job-" + jobId + "-tasks.csv")
                                .build()
                                .toString())
                .body(body);
    }

    @Operation(
            summary = "List the portfolio's jobs",
            description = "Newest first by createdAt, when a job's submission began to store it, then by jobId;"
                    + " filtered and cursor-paged. A job is listed once stored: a large one, stored seconds"
                    + " later (a 1,000,000-task job 7 to 30 s), appears below a job submitted and stored"
                    + " meanwhile, not at the top. To see every new job, read on past the newest one seen"
                    + " already, down to a createdAt a minute before it.")
    @ApiResponse(responseCode = "200", description = "One page of jobs.")
    @ApiResponse(responseCode = "400", description = "A filter, limit or cursor cannot be used.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    Page<JobView> jobs(
            @PathVariable UUID portfolioId,
            @Parameter(description = "Only jobs in this state.") @RequestParam(required = false) JobStatus status,
            @Parameter(description = "Only jobs of this type.") @RequestParam(required = false) JobType type,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        return progress.jobs(portfolioId, status, type, page.request(JobProgress.JOBS, portfolioId));
    }

    @Operation(
            summary = "Cancel a job",
            description = "Tasks not applied yet become CANCELLED (reason JOB_CANCELLED); applied ones stay. The job"
                    + " becomes CANCELLED.")
    @ApiResponse(
            responseCode = "202",
            description = "Cancelled; the job as it is now.",
            headers = @Header(name = "ETag", description = JOB_TAG))
    @ApiResponse(responseCode = "404", description = "No such job in this portfolio.")
    @ApiResponse(
            responseCode = "409",
            description = "The job has finished already (COMPLETED, COMPLETED_WITH_ERRORS or CANCELLED).")
    @ApiResponse(
            responseCode = "503",
            description = "The gateway cannot reach its database, or is running as many of the portfolio's"
                    + " submissions, previews and cancellations as it runs at once"
                    + " (`bulk.gateway.rate-limit.max-concurrent-per-portfolio`, 2) and none ended within 2 s."
                    + " Nothing was changed; retry after Retry-After seconds.")
    @PostMapping(path = "/{jobId}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> cancel(@PathVariable UUID portfolioId, @PathVariable UUID jobId) {
        Caller caller = access.requireChange(portfolioId);
        Job job = cancellation.cancel(caller, portfolioId, jobId);
        return ResponseEntity.accepted().eTag(job.etag()).body(job.view());
    }
}
