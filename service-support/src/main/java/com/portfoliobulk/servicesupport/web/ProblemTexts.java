package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.contracts.Quoted;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import tools.jackson.core.JacksonException;

/**
 * The pieces of a problem's text that every service's error handling words the same way: what a
 * value of a type must be, where in a JSON body a value went wrong, and the cause of a given type
 * behind a framework's exception, what a refused method or {@code Content-Type} should have been;
 * and the product's type and title for Spring MVC's own refusals.
 */
public final class ProblemTexts {

    /** The title of every 404, whatever was not found. */
    public static final String NOT_FOUND_TITLE = "Not found";

    private ProblemTexts() {}

    /**
     * Gives a problem of Spring MVC's own (type {@code about:blank}) the product's type of its status,
     * and a 404 the title {@value #NOT_FOUND_TITLE}.
     */
    public static void asProductProblem(ProblemDetail problem, int status) {
        problem.setType(ProblemTypes.orForStatus(problem.getType(), status));
        if (status == HttpStatus.NOT_FOUND.value()) {
            problem.setTitle(NOT_FOUND_TITLE);
        }
    }

    /** The detail of a 405: the method refused, and those to use ({@code Allow} has them too). */
    public static String methodNotSupported(HttpRequestMethodNotSupportedException ex) {
        String[] supported = ex.getSupportedMethods();
        String use = supported == null || supported.length == 0 ? "" : "; use " + String.join(" or ", supported);
        return "Method '" + ex.getMethod() + "' is not supported here" + use + ".";
    }

    /**
     * What is wrong with a body's {@code Content-Type} and what to send instead: {@code read} is the
     * media type as read (null when none could be), {@code sent} the header as sent (null: none was).
     */
    public static String unsupportedContentType(String read, String sent, List<MediaType> supported) {
        String send = mediaTypes(supported);
        if (read != null) {
            return Quoted.of(read) + " is not supported: send " + send;
        }
        return sent == null || sent.isBlank()
                ? "is required: send " + send
                : Quoted.of(sent) + " is not a valid media type: send " + send;
    }

    /** Media types for "send ..." or "must accept ...": {@code application/json} when none is known. */
    public static String mediaTypes(List<MediaType> types) {
        return types.isEmpty()
                ? MediaType.APPLICATION_JSON_VALUE
                : types.stream().map(MediaType::toString).collect(Collectors.joining(" or "));
    }

    /** What a value of {@code type} must be, for "must be ...": "a UUID", "one of [A, B]", "a whole number". */
    public static String describe(Class<?> type) {
        if (type == null) {
            return "a valid value";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.toString(type.getEnumConstants());
        }
        return switch (type.getSimpleName()) {
            case "UUID" -> "a UUID";
            case "Integer", "int", "Long", "long", "Short", "short" -> "a whole number";
            case "Boolean", "boolean" -> "true or false";
            case "String" -> "a string";
            default -> "a valid " + type.getSimpleName();
        };
    }

    /** Where in the JSON body the parser stopped, as {@code accounts[2].role}; empty at the top level. */
    public static String jsonPath(JacksonException ex) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : ex.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** {@code ex} itself or the first of its causes that is a {@code type}, or null. */
    public static <T extends Throwable> T cause(Throwable ex, Class<T> type) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
