package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import java.util.List;
import java.util.UUID;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.log.LogAccessor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of this service as RFC 9457 {@code application/problem+json}, with the product's
 * problem types ({@link ProblemTypes}) and the gateway's shape: invalid parameters list each one in
 * {@code errors: [{field, message}]}. Never shows stack traces or SQL.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final LogAccessor log = new LogAccessor(ApiExceptionHandler.class);

    @ExceptionHandler
    ResponseEntity<Object> invalidParameters(InvalidParametersException ex, WebRequest request) {
        return badRequest(ex, ex.errors(), request);
    }

    @ExceptionHandler
    ResponseEntity<Object> invalidPageRequest(InvalidPageRequestException ex, WebRequest request) {
        return badRequest(ex, List.of(new FieldError(ex.parameter(), ex.getMessage())), request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = ex.getPropertyName() == null ? "parameter" : ex.getPropertyName();
        String message = UUID.class.equals(ex.getRequiredType()) ? "must be a UUID" : "is not valid";
        return badRequest(ex, List.of(new FieldError(field, message)), request);
    }

    @ExceptionHandler
    ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
        log.error(ex, "Request failed");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR, "The request could not be completed; try again later");
        problem.setType(ProblemTypes.INTERNAL_ERROR);
        problem.setTitle("Internal error");
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /** Spring MVC's own refusals get the product's problem type of their status, not {@code about:blank}. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> answer = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            problem.setType(ProblemTypes.orForStatus(problem.getType(), statusCode.value()));
        }
        return answer;
    }

    private ResponseEntity<Object> badRequest(Exception ex, List<FieldError> errors, WebRequest request) {
        String detail = errors.size() == 1
                ? "Invalid '" + errors.getFirst().field() + "': "
                        + errors.getFirst().message()
                : "Invalid parameters: "
                        + String.join(
                                ", ", errors.stream().map(FieldError::field).toList());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setType(ProblemTypes.INVALID_REQUEST);
        problem.setTitle("Invalid request parameter");
        problem.setProperty("errors", errors);
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }
}
