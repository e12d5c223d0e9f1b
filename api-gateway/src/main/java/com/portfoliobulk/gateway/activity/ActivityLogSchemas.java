package com.portfoliobulk.gateway.activity;

import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The JSON of the activity log route, for the API description only: the gateway forwards the
 * audit-consumer's answer as it is.
 */
final class ActivityLogSchemas {

    /** The portfolio of the example page, as its path names it (and its entry). */
    static final String EXAMPLE_PORTFOLIO_ID = "8e2b6c1a-3f4d-4b7e-9a0c-5d6e7f8a9b0c";

    /** The account of the example page, as its path names it: its cursor belongs to that account's log. */
    static final String EXAMPLE_ACCOUNT_ID = "4d3c2b1a-0f9e-4d8c-b7a6-5e4f3a2b1c0d";

    /**
     * A page of the log of {@link #EXAMPLE_ACCOUNT_ID} in {@link #EXAMPLE_PORTFOLIO_ID}. Its {@code
     * nextCursor} is the one the log gives after its entry ({@code ActivityLogPageRequest.after} of the
     * portfolio, the account, the entry's time and id), so a client that sends it is answered the next page.
     */
    static final String PAGE_EXAMPLE = """
            {"items":[{"entryId":"0b7c2f0e-4a57-4a44-9d0c-1d2b8d1e6f10","occurredAt":"2026-11-24T10:00:01.123456Z",
            "action":"ROLE_CHANGED","targetUser":{"userId":"5f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21","email":"ann@x.com"},
            "previousRole":"ANALYST","newRole":"MANAGER","initiatedFrom":"PORTFOLIO",
            "actor":{"userId":"c3a9e1b2-7d4f-4e8a-b5c6-0f1e2d3c4b5a","email":"admin@agency.com"},
            "portfolioId":"8e2b6c1a-3f4d-4b7e-9a0c-5d6e7f8a9b0c","jobId":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "taskId":"9f8e7d6c-5b4a-4c3d-2e1f-0a9b8c7d6e5f",
            "summary":"Role of ann@x.com changed from Analyst to Manager by admin@agency.com from the portfolio level"}],
            "nextCursor":"YWN0aXZpdHktbG9nLzhlMmI2YzFhLTNmNGQtNGI3ZS05YTBjLTVkNmU3ZjhhOWIwYy80ZDNjMmIxYS0wZjllLTRkOGMtYjdhNi01ZTRmM2EyYjFjMGQ.\
            MjAyNi0xMS0yNFQxMDowMDowMS4xMjM0NTZa.MGI3YzJmMGUtNGE1Ny00YTQ0LTlkMGMtMWQyYjhkMWU2ZjEw"}""";

    private ActivityLogSchemas() {}

    @Schema(name = "ActivityLogPage", description = "One page of an account's activity log, newest first")
    record Page(
            List<Entry> items,

            @Schema(
                    description = "Pass as `cursor` to get the next page; null on the last page.",
                    nullable = true,
                    requiredMode = Schema.RequiredMode.REQUIRED)
            String nextCursor) {}

    @Schema(name = "ActivityLogEntry", description = "One change applied to the account from the portfolio level")
    record Entry(
            UUID entryId,

            @Schema(description = "When the change was applied")
            Instant occurredAt,

            ActivityAction action,

            @Schema(description = "Whose access changed; email is absent when only the id is known")
            UserRef targetUser,

            @Schema(description = "Role code before the change; absent for an invitation", example = "ANALYST")
            String previousRole,

            @Schema(description = "Role code after the change; absent for a removal", example = "MANAGER")
            String newRole,

            InitiationLevel initiatedFrom,

            @Schema(
                    description = "Who made the change: the portfolio administrator who requested the job, the"
                            + " portfolio's identity provider, or, for INVITATION_ACCEPTED, the invitee")
            Actor actor,

            UUID portfolioId,

            @Schema(
                    description = "The bulk job that made the change; absent for an account's link or unlink."
                            + " An invitation that expired, or that an unlink revoked, names the job that sent"
                            + " or last resent it, and the all-zero id when no job did (one made before jobs"
                            + " were named, or seeded). Jobs are deleted some time after they end (30 days by"
                            + " default) and their entries are kept, so an older entry names a job that no"
                            + " longer exists")
            UUID jobId,

            @Schema(description = "The job's task that applied the change; for an entry no task made, an id of its own")
            UUID taskId,

            @Schema(
                    description = "The sentence a person reads",
                    example = "Role of ann@x.com changed from Analyst to Manager by admin@agency.com"
                            + " from the portfolio level")
            String summary) {}
}
