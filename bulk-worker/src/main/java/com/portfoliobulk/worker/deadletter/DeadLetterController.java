package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.contracts.UnpairedSurrogates;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import com.portfoliobulk.servicesupport.web.ProblemException;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operators' dead-letter API on the worker's internal port: list the task dead letters, a page at
 * a time with the product's one paging contract ({@code limit}, {@code cursor}; {@code items} and
 * {@code nextCursor}), re-drive one after a fix, and dismiss one whose cause cannot be fixed. Like every {@code /internal/*} call it needs an
 * internal token (see {@code InternalApiAuthentication}; without one: 401). Refusals are problems of
 * the service's one error model ({@code ServiceProblems} in service-support).
 */
@RestController
class DeadLetterController {

    private final DeadLetterRedrive redrive;

    DeadLetterController(DeadLetterRedrive redrive) {
        this.redrive = redrive;
    }

    /**
     * A page of the dead letters, newest first; with {@code redriven=false} only those no operator has
     * re-driven yet, with {@code redriven=true} only the others; with {@code dismissed=false} only those
     * no operator has dismissed, with {@code dismissed=true} only the others. Both {@code false}: the
     * open ones, what is left to do after an incident. Every dead letter is reached by following
     * {@code nextCursor}, however many there are.
     */
    @GetMapping(path = "/internal/dead-letters", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Page<StoredDeadLetter>> list(
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String redriven,
            @RequestParam(required = false) String dismissed) {
        Boolean redrivenFilter = filter(
                "redriven", redriven, "must be true (only re-driven dead letters) or false (only those not re-driven)");
        Boolean dismissedFilter = filter(
                "dismissed",
                dismissed,
                "must be true (only dismissed dead letters) or false (only those not dismissed)");
        PageRequest paging = PageRequest.of(limit, cursor, DeadLetterRedrive.LIST);
        return ResponseEntity.ok(redrive.page(redrivenFilter, dismissedFilter, paging));
    }

    /** {@code true} or {@code false} as sent; null when absent. */
    private static Boolean filter(String name, String value, String message) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        return switch (value) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw InvalidParametersException.of(name, message);
        };
    }

    @PostMapping(
            path = "/internal/dead-letters/{id}/redrive",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<StoredDeadLetter> redrive(@PathVariable UUID id, @RequestBody RedriveRequest request) {
        // Checked before the record is sent: storing them afterwards would fail, and the redrive with it.
        validate(request, "who re-drives the dead letter", "why it can be applied now (e.g. the fix)");
        DeadLetterRedrive.Outcome outcome =
                redrive.redrive(id, request.operator().strip(), request.reason().strip());
        return switch (outcome.result()) {
            case REDRIVEN -> ResponseEntity.ok(outcome.deadLetter());
            case UNKNOWN -> throw unknown();
            case ALREADY_REDRIVEN -> throw redrivenAlready(outcome.deadLetter());
            case ALREADY_DISMISSED ->
                throw new ProblemException(
                        HttpStatus.CONFLICT,
                        "The dead letter was dismissed, by "
                                + outcome.deadLetter().dismissedBy() + " at "
                                + outcome.deadLetter().dismissedAt() + ": it is not sent again.");
            case NO_VALUE ->
                throw new ProblemException(
                        HttpStatus.UNPROCESSABLE_CONTENT, "The dead letter has no record value to send again.");
            case TASK_ENDED -> throw taskEnded(outcome.task());
            case LATER_TASK_APPLIED -> throw laterTaskApplied(outcome.task());
            case DISMISSED -> throw new IllegalStateException("A re-drive does not dismiss");
        };
    }

    /** Why the record of a task that ended is not sent again: it would change nothing. */
    private static ProblemException taskEnded(DeadLetterStore.NamedTask task) {
        return new ProblemException(
                HttpStatus.CONFLICT,
                "The dead letter's task " + task.id() + " (" + task.action() + ", job " + task.jobId() + ") ended "
                        + task.status() + (task.reason() == null ? "" : " " + task.reason())
                        + ": re-driven, its record would change nothing, as a task is applied only while it is"
                        + " pending. It is not sent. Dismiss the dead letter, and have the portfolio's"
                        + " administrators submit the change again if it is still wanted.");
    }

    /** Why a pending task is not sent again: a later change of its account was applied before it. */
    private static ProblemException laterTaskApplied(DeadLetterStore.NamedTask task) {
        DeadLetterStore.NamedTask later = task.laterApplied();
        return new ProblemException(
                HttpStatus.CONFLICT,
                "The dead letter's task " + task.id() + " (" + task.action() + ", job " + task.jobId()
                        + ") is pending, but a later task of its account was applied already: "
                        + later.id() + " (" + later.action() + ", job " + later.jobId() + ") ended "
                        + later.status() + (later.reason() == null ? "" : " " + later.reason())
                        + ". Re-driven, it would apply the account's changes out of order (an invitation"
                        + " after the later removal of the same user would give access again): it is not"
                        + " sent. Dismiss the dead letter; the task stays pending, for the"
                        + " BulkOldestPendingTaskTooOld runbook (its job cancelled, the change submitted"
                        + " again if still wanted).");
    }

    /**
     * Closes a dead letter whose cause cannot be fixed without sending anything (a re-drive would only
     * dead-letter its record again), recording who and why: it leaves the open ones, and the gateway's
     * retention deletes it as a re-driven one. Dismissing it again answers it as it is; a re-driven one
     * cannot be dismissed (409).
     */
    @PostMapping(
            path = "/internal/dead-letters/{id}/dismiss",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<StoredDeadLetter> dismiss(@PathVariable UUID id, @RequestBody RedriveRequest request) {
        validate(
                request,
                "who dismisses the dead letter",
                "why it is not re-driven (e.g. the record is not the gateway's)");
        DeadLetterRedrive.Outcome outcome =
                redrive.dismiss(id, request.operator().strip(), request.reason().strip());
        return switch (outcome.result()) {
            case DISMISSED -> ResponseEntity.ok(outcome.deadLetter());
            case UNKNOWN -> throw unknown();
            case ALREADY_REDRIVEN -> throw redrivenAlready(outcome.deadLetter());
            case REDRIVEN, ALREADY_DISMISSED, NO_VALUE, TASK_ENDED, LATER_TASK_APPLIED ->
                throw new IllegalStateException("A dismissal does not answer " + outcome.result());
        };
    }

    private static ProblemException unknown() {
        return new ProblemException(HttpStatus.NOT_FOUND, "No dead letter has this id.");
    }

    private static ProblemException redrivenAlready(StoredDeadLetter deadLetter) {
        return new ProblemException(
                HttpStatus.CONFLICT,
                "The dead letter was re-driven already, by " + deadLetter.redrivenBy() + " at "
                        + deadLetter.redrivenAt() + ".");
    }

    /**
     * Refuses an operator or reason that is missing or that the database cannot store as sent, saying
     * what each is for ({@code who}, {@code why}).
     */
    private static void validate(RedriveRequest request, String who, String why) {
        if (request.operator() == null || request.operator().isBlank()) {
            throw InvalidParametersException.of("operator", "is required: " + who);
        }
        if (request.reason() == null || request.reason().isBlank()) {
            throw InvalidParametersException.of("reason", "is required: " + why);
        }
        if (ControlCharacters.in(request.operator())) {
            throw InvalidParametersException.of("operator", ControlCharacters.message(request.operator()));
        }
        if (ControlCharacters.in(request.reason())) {
            throw InvalidParametersException.of("reason", ControlCharacters.message(request.reason()));
        }
        // The operator is named in the log line that records who re-drove or dismissed what: a line break
        // in it would write a line of its own making there. (The reason's are escaped in that line.)
        int lineBreak = lineBreakIn(request.operator());
        if (lineBreak >= 0) {
            throw InvalidParametersException.of(
                    "operator",
                    String.format(
                            "may not contain a line break (U+%04X at position %d); give one name on one line",
                            (int) request.operator().charAt(lineBreak), lineBreak + 1));
        }
        // Half of a surrogate pair alone (a JSON escape such as \ud800) is no character: stored as '?'.
        if (UnpairedSurrogates.in(request.operator())) {
            throw InvalidParametersException.of("operator", UnpairedSurrogates.message(request.operator()));
        }
        if (UnpairedSurrogates.in(request.reason())) {
            throw InvalidParametersException.of("reason", UnpairedSurrogates.message(request.reason()));
        }
    }

    /** The index of the first carriage return or line feed of {@code text}, or -1. */
    private static int lineBreakIn(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n' || text.charAt(i) == '\r') {
                return i;
            }
        }
        return -1;
    }

    /**
     * A re-drive's or a dismissal's body.
     *
     * @param operator who re-drives or dismisses it
     * @param reason why it can be applied now, or why it is not re-driven
     */
    record RedriveRequest(String operator, String reason) {}
}
