package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.contracts.paging.InvalidPageRequestException;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import com.portfoliobulk.servicesupport.web.Outages;
import com.portfoliobulk.servicesupport.web.ProblemTexts;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonPointer;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * Turns every error of the API into an RFC 9457 {@code application/problem+json} answer. Validation
 * problems name the offending fields in {@code errors}. Internal details (stack traces, SQL) never
 * reach the client; unexpected errors are logged here instead.
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    static final String REPEATED_KEY = "is given twice in one object; give it once";

    /**
     * A value nested deeper, or a number, text or name longer, than the parser reads (Jackson's
     * {@code StreamReadConstraints}), followed by the parser's message naming the limit.
     */
    static final String PAST_A_LIMIT = "goes beyond a limit of what the service reads";

    /** The {@code Retry-After} of the 503 of a dependency that is unavailable ({@link Outages}). */
    public static final int UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        RequestBodyTooLargeException tooLarge = ProblemTexts.cause(ex, RequestBodyTooLargeException.class);
        if (tooLarge != null) {
            ProblemDetail problem = RequestBodyLimit.tooLarge(tooLarge.maxBytes());
            return handleExceptionInternal(ex, problem, headers, HttpStatus.CONTENT_TOO_LARGE, request);
        }
        RequestBodyTimeoutException tooSlow = ProblemTexts.cause(ex, RequestBodyTimeoutException.class);
        if (tooSlow != null) {
            ProblemDetail problem = RequestBodyLimit.tooSlow(tooSlow.timeout());
            return handleExceptionInternal(ex, problem, headers, HttpStatus.REQUEST_TIMEOUT, request);
        }
        JacksonException json = ProblemTexts.cause(ex, JacksonException.class);
        List<FieldProblem> errors = new ArrayList<>();
        String detail;
        String repeated = json instanceof StreamReadException read ? repeatedKey(read) : null;
        if (json == null) {
            detail = "The request body is missing or is not JSON.";
        } else if (repeated != null) {
            errors.add(new FieldProblem(repeated, REPEATED_KEY));
            detail = "The request body cannot be read: '" + repeated + "' " + REPEATED_KEY;
        } else if (json instanceof StreamReadException && !(json instanceof InputCoercionException)) {
            detail = "The request body is not well-formed JSON" + where(json) + ": " + plain(json.getOriginalMessage());
        } else if (json instanceof StreamConstraintsException && json.getPath().isEmpty()) {
            detail = "The request body " + PAST_A_LIMIT + where(json) + ": " + plain(json.getOriginalMessage());
        } else if (json.getPath().isEmpty()) {
            detail = "The request body must be a JSON object with the request's fields.";
        } else {
            String field = ProblemTexts.jsonPath(json);
            String message = message(json);
            errors.add(new FieldProblem(field, message));
            detail = "The request body cannot be read: '" + field + "' " + message;
        }
        ProblemDetail problem =
                Problems.of(HttpStatus.BAD_REQUEST, Problems.INVALID_REQUEST, "Malformed request body", detail, errors);
        return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
    }

    /**
     * An {@code Accept} header that no answer of the endpoint meets, or that is no list of media types
     * at all: 406 naming the header, written as {@code application/problem+json} whatever the header
     * says (without a preset type, an unreadable header left the answer empty).
     */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(
            HttpMediaTypeNotAcceptableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<MediaType> supported = ex.getSupportedMediaTypes();
        String message = supported.isEmpty()
                ? "is not a list of media types; send application/json"
                : "must accept one of "
                        + supported.stream().map(MediaType::toString).collect(Collectors.joining(", "));
        ProblemDetail problem = Problems.of(
                HttpStatus.NOT_ACCEPTABLE,
                Problems.INVALID_REQUEST,
                "Not acceptable",
                "Invalid 'Accept': " + message,
                List.of(new FieldProblem(HttpHeaders.ACCEPT, message)));
        HttpHeaders answer = new HttpHeaders();
        answer.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return handleExceptionInternal(ex, problem, answer, HttpStatus.NOT_ACCEPTABLE, request);
    }

    /**
     * A body of a media type the endpoint does not read, none declared, or a {@code Content-Type} that
     * is no media type: 415 naming {@code Content-Type} and the type to send (Spring MVC's own detail read
     * {@code Content-Type 'null'}).
     */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
            HttpMediaTypeNotSupportedException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String sent = request.getHeader(HttpHeaders.CONTENT_TYPE);
        String message = ProblemTexts.unsupportedContentType(
                ex.getContentType() == null ? null : ex.getContentType().toString(), sent, ex.getSupportedMediaTypes());
        ProblemDetail problem = Problems.of(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                Problems.INVALID_REQUEST,
                "Unsupported media type",
                "Invalid '" + HttpHeaders.CONTENT_TYPE + "': " + message,
                List.of(new FieldProblem(HttpHeaders.CONTENT_TYPE, message)));
        return handleExceptionInternal(ex, problem, headers, HttpStatus.UNSUPPORTED_MEDIA_TYPE, request);
    }

    /** A method the path does not have: 405 naming the methods to use, also in {@code Allow}. */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
            HttpRequestMethodNotSupportedException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = Problems.of(
                HttpStatus.METHOD_NOT_ALLOWED,
                Problems.INVALID_REQUEST,
                "Method Not Allowed",
                ProblemTexts.methodNotSupported(ex),
                List.of());
        return handleExceptionInternal(ex, problem, headers, HttpStatus.METHOD_NOT_ALLOWED, request);
    }

    /** A path no endpoint has: 404 naming it, not as the missing static resource Spring MVC looked for. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(
            NoResourceFoundException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String path = request instanceof ServletWebRequest servlet
                ? servlet.getRequest().getRequestURI()
                : "/" + ex.getResourcePath();
        ProblemDetail problem = Problems.of(
                HttpStatus.NOT_FOUND,
                Problems.NOT_FOUND,
                "Not found",
                "No endpoint has the path '" + path + "'; check the path.",
                List.of());
        return handleExceptionInternal(ex, problem, headers, HttpStatus.NOT_FOUND, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException mismatch
                ? mismatch.getName()
                : String.valueOf(ex.getPropertyName());
        // Ids in paths and query parameters are read in their canonical spelling only (CanonicalUuids).
        String expected = ex.getRequiredType() == UUID.class
                ? CanonicalUuids.DESCRIPTION
                : ProblemTexts.describe(ex.getRequiredType());
        return refused(new InvalidParameterException(name, Quoted.of(ex.getValue()) + " is not " + expected));
    }

    @Override
    protected ResponseEntity<Object> handleServletRequestBindingException(
            ServletRequestBindingException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        if (ex instanceof MissingRequestHeaderException missing) {
            return refused(new InvalidParameterException(missing.getHeaderName(), "is required"));
        }
        return super.handleServletRequestBindingException(ex, headers, status, request);
    }

    /**
     * Spring MVC's own refusals (wrong method, media types, missing parts) get the product's problem
     * type of their status instead of {@code about:blank}.
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

    /** The one place where a refusal becomes an HTTP status and a problem type. */
    @ExceptionHandler(RequestRefusedException.class)
    ResponseEntity<Object> refused(RequestRefusedException ex) {
        HttpStatus status = ex.reason().status();
        URI type = switch (ex.reason()) {
            case INVALID_PARAMETER, INVALID_CONTENT, UNSUPPORTED_MEDIA_TYPE -> Problems.INVALID_REQUEST;
            case FORBIDDEN -> Problems.FORBIDDEN;
            case NOT_FOUND -> Problems.NOT_FOUND;
            case CONFLICT -> Problems.CONFLICT;
            case IDEMPOTENCY_KEY_REUSED -> Problems.IDEMPOTENCY_KEY_REUSED;
            case TOO_LARGE -> Problems.TOO_LARGE;
            case GONE -> Problems.GONE;
            case RATE_LIMITED -> Problems.RATE_LIMITED;
            case UNAVAILABLE -> Problems.UNAVAILABLE;
        };
        if (ex.reason() == RequestRefusedException.Reason.UNAVAILABLE) {
            log.warn(
                    "Answering 503: {}",
                    ex.getCause() == null ? ex.getMessage() : ex.getCause().toString());
        }
        ResponseEntity.BodyBuilder answer =
                ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (ex.retryAfterSeconds() != null) {
            answer.header(HttpHeaders.RETRY_AFTER, String.valueOf(ex.retryAfterSeconds()));
        }
        answer.headers(headers -> headers.addAll(ex.headers()));
        return answer.body(Problems.of(status, type, ex.title(), ex.getMessage(), ex.errors()));
    }

    /**
     * A request that cannot be read, found only when a handler reads the part: a 400 naming it ({@link
     * #unreadable(Exception)}).
     */
    @ExceptionHandler({
        InvalidPageRequestException.class,
        org.apache.tomcat.util.http.InvalidParameterException.class,
        RequestRejectedException.class
    })
    ResponseEntity<Object> unreadableRequest(Exception ex) {
        return refused(unreadable(ex));
    }

    @ExceptionHandler(AccessDeniedException.class)
    ProblemDetail accessDenied(AccessDeniedException ex) {
        return Problems.of(HttpStatus.FORBIDDEN, Problems.FORBIDDEN, "Permission denied", ex.getMessage(), List.of());
    }

    @ExceptionHandler(AuthenticationException.class)
    ProblemDetail unauthenticated(AuthenticationException ex) {
        return Problems.of(
                HttpStatus.UNAUTHORIZED, Problems.UNAUTHORIZED, "Authentication required", ex.getMessage(), List.of());
    }

    /**
     * A dependency that is unavailable ({@link Outages}, the rule of every service): the database cannot
     * be reached (also a transaction that cannot begin for want of a connection) or fails a statement a
     * retry resolves, or the message broker does not answer. A retry later may succeed.
     */
    private static ResponseEntity<ProblemDetail> unavailable(Exception ex, String dependency) {
        log.warn("Answering 503: {}", ex.toString());
        ProblemDetail problem = Problems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                Problems.UNAVAILABLE,
                "Service unavailable",
                unavailableDetail(dependency),
                List.of());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(UNAVAILABLE_RETRY_AFTER_SECONDS))
                .body(problem);
    }

    /**
     * The detail of the 503 of a dependency that is unavailable ({@link Outages}); the SCIM endpoints
     * answer it too, in their error format.
     */
    public static String unavailableDetail(String dependency) {
        return "The service cannot reach its " + dependency + " right now; try again shortly.";
    }

    /**
     * The 400 of a request the service cannot read, found only when a handler reads the part, or null
     * when {@code ex} is none: more parameters than the gateway reads (naming the limit, not as a query
     * string that does not decode, the container's refusal of either being one exception), a query
     * string that does not decode, a header value the firewall refuses (naming the header), a {@code
     * limit} or {@code cursor} of a list (the same 400 as every other parameter). The client's to fix,
     * logged as nothing; the console's pages answer the same.
     */
    public static RequestRefusedException unreadable(Exception ex) {
        return switch (ex) {
            case TooManyParametersException tooMany -> tooMany.refusal();
            case org.apache.tomcat.util.http.InvalidParameterException undecodable -> UnreadableRequest.query();
            case RequestRejectedException rejected -> UnreadableRequest.header(rejected);
            case InvalidPageRequestException page -> new InvalidParameterException(page.parameter(), page.getMessage());
            default -> null;
        };
    }

    /**
     * The database refusing text the request brought ({@link UnstorableText}): 400, not 500. The
     * database unavailable: {@link #unavailable}. Any other data access error is a bug, answered as
     * {@link #unexpected}.
     */
    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<ProblemDetail> dataAccess(DataAccessException ex) {
        String dependency = Outages.dependency(ex);
        if (dependency != null) {
            return unavailable(ex, dependency);
        }
        if (UnstorableText.isCause(ex)) {
            log.warn(
                    "Answering 400: the database refused text of the request ({})",
                    ex.getMostSpecificCause().toString());
            return ResponseEntity.badRequest()
                    .body(Problems.of(
                            HttpStatus.BAD_REQUEST,
                            Problems.INVALID_REQUEST,
                            "Invalid request",
                            UnstorableText.DETAIL,
                            List.of()));
        }
        return internalError(ex);
    }

    /**
     * Anything else is a bug: the client gets a generic problem with an {@code errorId}, the log gets
     * the exception under the same id. Except a client that went away while its answer was written
     * ({@link DisconnectedClients}): nothing is answered; and a dependency that is unavailable ({@link
     * Outages}): answered as {@link #unavailable}.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception ex, HttpServletRequest request) {
        if (DisconnectedClients.wentAway(ex, request)) {
            return null;
        }
        String dependency = Outages.dependency(ex);
        if (dependency != null) {
            return unavailable(ex, dependency);
        }
        return internalError(ex);
    }

    private static ResponseEntity<ProblemDetail> internalError(Throwable ex) {
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(InternalErrors.problem(ex));
    }

    /** Spring MVC's own report of a client that went away ({@link DisconnectedClients}): nothing is answered. */
    @Override
    protected ResponseEntity<Object> handleAsyncRequestNotUsableException(
            AsyncRequestNotUsableException ex, WebRequest request) {
        DisconnectedClients.wentAway(ex, servletRequest(request));
        return null;
    }

    private static HttpServletRequest servletRequest(WebRequest request) {
        return request instanceof ServletWebRequest servlet ? servlet.getRequest() : null;
    }

    /**
     * The field a key given twice in one object names ({@code accounts[0].role}), from where the parser
     * stood when it found the second; null when the parser refused something else.
     */
    private static String repeatedKey(StreamReadException ex) {
        if (ex.getOriginalMessage() == null
                || !ex.getOriginalMessage().startsWith("Duplicate Object property")
                || ex.processor() == null) {
            return null;
        }
        StringBuilder field = new StringBuilder();
        for (JsonPointer at = ex.processor().streamReadContext().pathAsPointer(); !at.matches(); at = at.tail()) {
            if (at.getMatchingIndex() >= 0) {
                field.append('[').append(at.getMatchingIndex()).append(']');
            } else {
                field.append(field.isEmpty() ? "" : ".").append(at.getMatchingProperty());
            }
        }
        return field.isEmpty() ? null : field.toString();
    }

    /** What a client needs to know, without the Java types the parser mentions. */
    private static String message(JacksonException ex) {
        if (ex instanceof JsonReading.RefusedTextException) {
            return ex.getOriginalMessage();
        }
        if (ex instanceof ValueInstantiationException && ex.getCause() instanceof IllegalArgumentException invalid) {
            return invalid.getMessage();
        }
        if (ex instanceof UnrecognizedPropertyException unknown) {
            return "is not a field of this request; remove it (its fields: "
                    + unknown.getKnownPropertyIds().stream()
                            .map(String::valueOf)
                            .sorted()
                            .collect(Collectors.joining(", "))
                    + ")";
        }
        if (ex instanceof InputCoercionException) {
            return "is out of range";
        }
        if (ex instanceof StreamConstraintsException) {
            return PAST_A_LIMIT + ": " + plain(ex.getOriginalMessage());
        }
        if (ex instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            Class<?> type = mismatch.getTargetType();
            if (type.isRecord() || Map.class.isAssignableFrom(type)) {
                return "must be a JSON object";
            }
            if (Collection.class.isAssignableFrom(type)) {
                return "must be a JSON array";
            }
            if (type.isEnum()
                    || type == UUID.class
                    || type == String.class
                    || Number.class.isAssignableFrom(type)
                    || type.isPrimitive()) {
                return "must be " + ProblemTexts.describe(type);
            }
        }
        return plain(ex.getOriginalMessage());
    }

    /** Where the parser stopped, as an editor counts (from 1): {@code  at line 1, column 63}; or nothing. */
    private static String where(JacksonException ex) {
        TokenStreamLocation at = ex.getLocation();
        if (at == null || at.getLineNr() < 1 || at.getColumnNr() < 1) {
            return "";
        }
        return " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /**
     * The parser's message without what only a Java developer can use: where in the source it started
     * (the source is not shown anyway) and the Java names of its limits.
     */
    static String plain(String message) {
        String plain = message;
        for (String cut : new String[] {"\n", " (start marker at", " at [Source"}) {
            int at = plain.indexOf(cut);
            if (at >= 0) {
                plain = plain.substring(0, at);
            }
        }
        return plain.replaceAll(", from `[^`]*`", "");
    }
}
