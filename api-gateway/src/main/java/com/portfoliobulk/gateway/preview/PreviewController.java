package com.portfoliobulk.gateway.preview;

import com.portfoliobulk.gateway.jobs.JobRequest;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The preview of a bulk job: what a submission of the same body would do now. Planning a change
 * needs what submitting it needs: the Portfolio Owner or User Management EDIT.
 */
@Tag(name = "Bulk jobs")
@RestController
class PreviewController {

    private final PortfolioAccess access;

    private final JobPreview preview;

    PreviewController(PortfolioAccess access, JobPreview preview) {
        this.access = access;
        this.preview = preview;
    }

    @Operation(
            summary = "Preview a bulk job",
            description = "Takes the body of a submission and answers the plan a submission would create now, task by"
                    + " task in the order the job would store them: account, user, action, the current and the new"
                    + " role, and whether the task would CHANGE the directory or be SKIPPED, with the reason. The"
                    + " access rules are the ones the worker applies, evaluated against the directory as it is now;"
                    + " the job decides each task again when it applies it. `summary` counts the whole plan, `items`"
                    + " are one page of it: follow `nextCursor` with the same body. Validation and its errors are"
                    + " the submission's. Nothing is written; no Idempotency-Key is needed.")
    @ApiResponse(responseCode = "200", description = "The summary of the whole plan and one page of its tasks.")
    @ApiResponse(
            responseCode = "400",
            description = "Malformed JSON, unknown type, wrong field types, or a limit or cursor that cannot be used"
                    + " (a cursor works only with the body it was made for).")
    @ApiResponse(responseCode = "401", description = "No valid bearer token.")
    @ApiResponse(
            responseCode = "403",
            description = "The caller is neither the Portfolio Owner nor holds User Management EDIT.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @ApiResponse(
            responseCode = "413",
            description = "The request resolves to more tasks than a job may have, or the body is too large.")
    @ApiResponse(
            responseCode = "422",
            description = "Invalid content (empty lists, malformed or duplicate entries, OWNER as a role, accounts or"
                    + " users not of this portfolio, nothing to do), exactly as the submission answers it. `errors`"
                    + " names the fields.")
    @ApiResponse(
            responseCode = "429",
            description = "Too many previews for the portfolio in the current period; retry after Retry-After seconds.")
    @ApiResponse(
            responseCode = "503",
            description = "The gateway cannot reach its database or a service it needs, or is handling as many"
                    + " request bodies as it may at once, or is running as many of the portfolio's submissions,"
                    + " previews and cancellations as it runs at once (`bulk.gateway.rate-limit.max-concurrent-per-portfolio`, 2) and"
                    + " none ended within 2 s. Retry after Retry-After seconds.")
    @PostMapping(
            path = "/api/v1/portfolios/{portfolioId}/bulk-jobs/preview",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    PreviewPage preview(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @ParameterObject PageParameters page,
            @RequestBody JobRequest request) {
        access.requireChange(portfolioId);
        return preview.preview(portfolioId, request, page.request(PreviewCursor.LIST));
    }
}
