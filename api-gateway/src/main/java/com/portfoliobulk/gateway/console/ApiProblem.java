package com.portfoliobulk.gateway.console;

import java.util.List;
import java.util.Map;

/** An error answer of the API (RFC 9457), for the console to show as the API worded it (public getters, for SpEL). */
final class ApiProblem extends RuntimeException {

    private final int status;

    private final transient Map<String, Object> problem;

    ApiProblem(int status, Map<String, Object> problem) {
        super(status + " " + problem.getOrDefault("detail", problem.getOrDefault("title", "")));
        this.status = status;
        this.problem = Map.copyOf(problem);
    }

    public int status() {
        return status;
    }

    public String title() {
        return String.valueOf(problem.getOrDefault("title", "The request was refused"));
    }

    public String detail() {
        Object detail = problem.get("detail");
        return detail == null ? "" : detail.toString();
    }

    /** The problem's {@code errors}: one {@code field} and {@code message} per invalid field. */
    public List<?> errors() {
        return problem.get("errors") instanceof List<?> errors ? errors : List.of();
    }

    /**
     * Whether one of the problem's errors is about this field or a part of it ({@code accounts[0].role}
     * is about {@code accounts} and {@code accounts[0]}), for a form to mark the fields to correct.
     */
    public boolean names(String field) {
        return errors().stream()
                .filter(Map.class::isInstance)
                .map(error -> String.valueOf(((Map<?, ?>) error).get("field")))
                .anyMatch(
                        named -> named.equals(field) || named.startsWith(field + "[") || named.startsWith(field + "."));
    }

    /** Whether the problem names no field (a refusal of the whole request). */
    public boolean namesNoField() {
        return errors().isEmpty();
    }
}
