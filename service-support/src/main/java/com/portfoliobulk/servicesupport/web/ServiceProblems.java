package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.MethodParameter;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.log.LogAccessor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Every error of a service without a problem advice of its own (the bulk-worker and the
 * audit-consumer; see {@link ServiceProblemsAutoConfiguration}) as RFC 9457 {@code
 * application/problem+json}, with the product's problem types ({@link ProblemTypes}) and the
 * gateway's shape: invalid parameters list each one in {@code errors: [{field, message}]}. Spring
 * MVC's own refusals (wrong method, media types, missing or mistyped parameters, an unreadable body)
 * get the product's type of their status and a detail saying what to send instead. A dependency that
 * is unavailable (the database, the Kafka broker: {@link Outages}) answers 503 with {@code
 * Retry-After}, logged as one line at WARN. An unexpected error answers 500 naming only an {@code
 * errorId}, which the log has with the exception: never a stack trace or SQL; a client that went away
 * while it was answered ({@link DisconnectedClients}), nothing. Controllers refuse a
 * request by throwing a {@link ProblemException} or an {@link InvalidParametersException}. Errors raised outside Spring MVC reach it through the error
 * page ({@link ProblemErrorPage}).
 */
@RestControllerAdvice
class ServiceProblems extends ResponseEntityExceptionHandler {

    private static final LogAccessor log = new LogAccessor(ServiceProblems.class);

    /** When to try again after a 503, as the api-gateway says for an outage. */
    static final int RETRY_AFTER_SECONDS = 5;

    @ExceptionHandler
    ResponseEntity<Object> invalidPageRequest(InvalidPageRequestException ex, WebRequest request) {
        return invalid(ex, List.of(new FieldError(ex.parameter(), ex.getMessage())), request);
    }

    /**
     * An unexpected error: 500 naming only an {@code errorId}, which the log has with the exception.
     * Except a client that went away while its answer was written ({@link DisconnectedClients}): nothing
     * is answered; and a dependency that is unavailable ({@link Outages}): answered as {@link
     * #unavailable}.
     */
    @ExceptionHandler
    ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
        if (DisconnectedClients.wentAway(ex, servletRequest(request))) {
            return null;
        }
        String dependency = Outages.dependency(ex);
        if (dependency != null) {
            return unavailable(ex, dependency, request);
        }
        String errorId = UUID.randomUUID().toString();
        log.error(ex, () -> "Unexpected error " + errorId + " while handling a request");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "The request could not be completed; try again later, or quote error id " + errorId
                        + " when reporting it.");
        problem.setType(ProblemTypes.INTERNAL_ERROR);
        problem.setTitle("Internal error");
        problem.setProperty("errorId", errorId);
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /**
     * A dependency that is unavailable (the database, the broker): 503 with {@code Retry-After}, of the
     * product's type {@code unavailable}, as the api-gateway answers an outage, for the caller to try
     * again. Logged as one line at WARN with the failure and its cause, without the stack trace: an
     * outage is no defect, and a stack trace per request would bury the lines that say what is down.
     */
    private ResponseEntity<Object> unavailable(Exception ex, String dependency, WebRequest request) {
        log.warn(() ->
                "Answering 503: the " + dependency + " is unavailable to " + what(request) + " (" + failure(ex) + ")");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE,
                "The service's " + dependency + " is unavailable right now; try again shortly.");
        problem.setType(ProblemTypes.UNAVAILABLE);
        problem.setTitle("Service unavailable");
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
        return handleExceptionInternal(ex, problem, headers, HttpStatus.SERVICE_UNAVAILABLE, request);
    }

    /** The request, as a log line names it: its method and path, any invitation token left out. */
    private static String what(WebRequest request) {
        HttpServletRequest servlet = servletRequest(request);
        return servlet == null ? "a request" : servlet.getMethod() + " " + SecretPaths.redact(servlet.getRequestURI());
    }

    private static HttpServletRequest servletRequest(WebRequest request) {
        return request instanceof ServletWebRequest servlet ? servlet.getRequest() : null;
    }

    /** Spring MVC's own report of a client that went away ({@link DisconnectedClients}): nothing is answered. */
    @Override
    protected ResponseEntity<Object> handleAsyncRequestNotUsableException(
            AsyncRequestNotUsableException ex, WebRequest request) {
        DisconnectedClients.wentAway(ex, servletRequest(request));
        return null;
    }

    /** The failure and, when it is another, its most specific cause: what the dependency answered. */
    private static String failure(Exception ex) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
        return cause == ex ? ex.toString() : ex + "; caused by " + cause;
    }

    /** A method the path does not take: 405 naming it and the methods to use, also in {@code Allow}. */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
            HttpRequestMethodNotSupportedException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, ProblemTexts.methodNotSupported(ex));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    /** A body of a media type the endpoint does not read (or none given): 415 naming {@code Content-Type}. */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            HttpMediaTypeNotSupportedException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String message = ProblemTexts.unsupportedContentType(
                ex.getContentType() == null ? null : ex.getContentType().toString(),
                request.getHeader(HttpHeaders.CONTENT_TYPE),
                ex.getSupportedMediaTypes());
        return answer(ex, status, "Unsupported media type", HttpHeaders.CONTENT_TYPE, message, headers, request);
    }

    /**
     * An {@code Accept} header that no answer of the endpoint meets, or that is no list of media types
     * at all: 406 naming the header, written as {@code application/problem+json} whatever it says.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(
            HttpMediaTypeNotAcceptableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<MediaType> supported = ex.getSupportedMediaTypes();
        String message = supported.isEmpty()
                ? "is not a list of media types: accept application/json"
                : "must accept " + ProblemTexts.mediaTypes(supported);
        HttpHeaders answer = new HttpHeaders();
        answer.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return answer(ex, status, "Not acceptable", HttpHeaders.ACCEPT, message, answer, request);
    }

    /** A query parameter or path segment that is not of its type: 400 naming it and the type. */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = ex instanceof MethodArgumentTypeMismatchException mismatch
                ? mismatch.getName()
                : ex.getPropertyName() == null ? "parameter" : ex.getPropertyName();
        return invalid(
                ex, List.of(new FieldError(field, "must be " + ProblemTexts.describe(ex.getRequiredType()))), request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            MissingServletRequestParameterException ex,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        return invalid(ex, List.of(new FieldError(ex.getParameterName(), "is required")), request);
    }

    @Override
    protected ResponseEntity<Object> handleServletRequestBindingException(
            ServletRequestBindingException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (ex instanceof MissingRequestHeaderException missing) {
            return invalid(ex, List.of(new FieldError(missing.getHeaderName(), "is required")), request);
        }
        return super.handleServletRequestBindingException(ex, headers, status, request);
    }

    /**
     * A body that is missing, not JSON, or not the JSON object the endpoint reads: 400 showing the
     * object it takes (the fields of its record), and naming the field when a value has the wrong type.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        JacksonException json = ProblemTexts.cause(ex, JacksonException.class);
        if (json instanceof MismatchedInputException mismatch
                && !mismatch.getPath().isEmpty()
                && mismatch.getTargetType() != null
                && !mismatch.getTargetType().isRecord()) {
            String field = ProblemTexts.jsonPath(mismatch);
            String message = "must be " + ProblemTexts.describe(mismatch.getTargetType());
            return invalid(ex, "The body cannot be read: '" + field + "' " + message + ".", field, message, request);
        }
        String expected = expectedBody(request);
        String detail = "The body must be JSON" + (expected == null ? "." : ": " + expected + ".");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setTitle("Malformed request body");
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    /** A path no endpoint has: 404 naming it, not as the missing static resource Spring MVC looked for. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(
            NoResourceFoundException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                status, "No endpoint has the path '/" + ex.getResourcePath() + "'; check the path.");
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    /**
     * Spring MVC's own refusals get the product's problem type of their status, not {@code
     * about:blank}; every 404 is titled {@value ProblemTexts#NOT_FOUND_TITLE}, whatever was not found.
     */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        if (DisconnectedClients.wentAway(ex, servletRequest(request))) {
            // An answer that could not be written (Spring MVC's 500 for it) to a client that went away.
            return null;
        }
        ResponseEntity<Object> answer = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem) {
            ProblemTexts.asProductProblem(problem, statusCode.value());
        }
        return answer;
    }

    private ResponseEntity<Object> invalid(Exception ex, List<FieldError> errors, WebRequest request) {
        InvalidParametersException invalid = new InvalidParametersException(errors);
        return handleExceptionInternal(ex, invalid.getBody(), new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    private ResponseEntity<Object> invalid(
            Exception ex, String detail, String field, String message, WebRequest request) {
        InvalidParametersException invalid =
                new InvalidParametersException(detail, List.of(new FieldError(field, message)));
        return handleExceptionInternal(ex, invalid.getBody(), new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    private ResponseEntity<Object> answer(
            Exception ex,
            HttpStatusCode status,
            String title,
            String field,
            String message,
            HttpHeaders headers,
            WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, "Invalid '" + field + "': " + message + ".");
        problem.setTitle(title);
        problem.setProperty("errors", List.of(new FieldError(field, message)));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    /** The JSON object the endpoint's {@code @RequestBody} record takes, or null when it takes something else. */
    private static String expectedBody(WebRequest request) {
        if (!(request.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST)
                instanceof HandlerMethod handler)) {
            return null;
        }
        return Arrays.stream(handler.getMethodParameters())
                .filter(parameter -> parameter.hasParameterAnnotation(RequestBody.class))
                .map(MethodParameter::getParameterType)
                .filter(Class::isRecord)
                .findFirst()
                .map(type -> Arrays.stream(type.getRecordComponents())
                        .map(component -> "\"" + component.getName() + "\": " + example(component.getType()))
                        .collect(Collectors.joining(", ", "{", "}")))
                .orElse(null);
    }

    private static String example(Class<?> type) {
        return Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)
                ? "0"
                : type == Boolean.class || type == boolean.class ? "true" : "\"...\"";
    }
}
