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
 * {@code nextCursor}), and re-drive one after a fix. Like every {@code /internal/*} call it needs an
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
     * re-driven yet (what is left to do after an incident), with {@code redriven=true} only the others.
     * Every dead letter is reached by following {@code nextCursor}, however many there are.
     */
    @GetMapping(path = "/internal/dead-letters", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Page<StoredDeadLetter>> list(
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String cursor,
            @RequestParam(required = false) String redriven) {
        Boolean filter = redrivenFilter(redriven);
        PageRequest paging = PageRequest.of(limit, cursor, DeadLetterRedrive.LIST);
        return ResponseEntity.ok(redrive.page(filter, paging));
    }

    /** {@code true} or {@code false} as sent; null when absent. */
    private static Boolean redrivenFilter(String redriven) {
        if (redriven == null || redriven.isEmpty()) {
            return null;
        }
        return switch (redriven) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default ->
                throw InvalidParametersException.of(
                        "redriven", "must be true (only re-driven dead letters) or false (only those not re-driven)");
        };
    }

    @PostMapping(
            path = "/internal/dead-letters/{id}/redrive",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<StoredDeadLetter> redrive(@PathVariable UUID id, @RequestBody RedriveRequest request) {
        if (request.operator() == null || request.operator().isBlank()) {
            throw InvalidParametersException.of("operator", "is required: who re-drives the dead letter");
        }
        if (request.reason() == null || request.reason().isBlank()) {
            throw InvalidParametersException.of("reason", "is required: why it can be applied now (e.g. the fix)");
        }
        // Checked before the record is sent: storing them afterwards would fail, and the redrive with it.
        if (ControlCharacters.in(request.operator())) {
            throw InvalidParametersException.of("operator", ControlCharacters.message(request.operator()));
        }
        if (ControlCharacters.in(request.reason())) {
            throw InvalidParametersException.of("reason", ControlCharacters.message(request.reason()));
        }
        // Half of a surrogate pair alone (a JSON escape such as \ud800) is no character: stored as '?'.
        if (UnpairedSurrogates.in(request.operator())) {
            throw InvalidParametersException.of("operator", UnpairedSurrogates.message(request.operator()));
        }
        if (UnpairedSurrogates.in(request.reason())) {
            throw InvalidParametersException.of("reason", UnpairedSurrogates.message(request.reason()));
        }
        DeadLetterRedrive.Outcome outcome =
                redrive.redrive(id, request.operator().strip(), request.reason().strip());
        return switch (outcome.result()) {
            case REDRIVEN -> ResponseEntity.ok(outcome.deadLetter());
            case UNKNOWN -> throw new ProblemException(HttpStatus.NOT_FOUND, "No dead letter has this id.");
            case ALREADY_REDRIVEN ->
                throw new ProblemException(
                        HttpStatus.CONFLICT,
                        "The dead letter was re-driven already, by "
                                + outcome.deadLetter().redrivenBy() + " at "
                                + outcome.deadLetter().redrivenAt() + ".");
            case NO_VALUE ->
                throw new ProblemException(
                        HttpStatus.UNPROCESSABLE_CONTENT, "The dead letter has no record value to send again.");
        };
    }

    /**
     * @param operator who re-drives it
     * @param reason why it can be applied now
     */
    record RedriveRequest(String operator, String reason) {}
}
