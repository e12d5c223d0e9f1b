package com.portfoliobulk.audit.api;

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
 * Every error of this service as RFC 9457 {@code application/problem+json}; invalid parameters list
 * each one in {@code errors: [{field, message}]}. Never shows stack traces or SQL.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final LogAccessor log = new LogAccessor(ApiExceptionHandler.class);

    @ExceptionHandler
    ResponseEntity<Object> invalidParameters(InvalidParametersException ex, WebRequest request) {
        return badRequest(ex, ex.errors(), request);
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
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    private ResponseEntity<Object> badRequest(Exception ex, List<FieldError> errors, WebRequest request) {
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Some parameters are not valid");
        problem.setProperty("errors", errors);
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }
}
