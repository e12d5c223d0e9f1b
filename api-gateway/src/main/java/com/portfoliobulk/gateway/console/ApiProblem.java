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
}
