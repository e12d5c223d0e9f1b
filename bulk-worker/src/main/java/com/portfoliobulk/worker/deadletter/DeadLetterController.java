package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import com.portfoliobulk.servicesupport.web.ProblemException;
import java.util.List;
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
 * The operators' dead-letter API on the worker's internal port: list the task dead letters and
 * re-drive one after a fix. Like every {@code /internal/*} call it needs an internal token (see
 * {@code InternalApiAuthentication}; without one: 401). Refusals are problems of the service's one
 * error model ({@code ServiceProblems} in service-support).
 */
@RestController
class DeadLetterController {

    private static final int MAX_LIMIT = 500;

    private final DeadLetterRedrive redrive;

    DeadLetterController(DeadLetterRedrive redrive) {
        this.redrive = redrive;
    }

    @GetMapping(path = "/internal/dead-letters", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<List<StoredDeadLetter>> list(@RequestParam(defaultValue = "50") String limit) {
        int parsed;
        try {
            parsed = Integer.parseInt(limit);
        } catch (NumberFormatException ex) {
            parsed = -1;
        }
        if (parsed < 1 || parsed > MAX_LIMIT) {
            throw InvalidParametersException.of("limit", "must be a whole number from 1 to " + MAX_LIMIT);
        }
        List<StoredDeadLetter> newest = redrive.newest(parsed);
        return ResponseEntity.ok(newest);
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
