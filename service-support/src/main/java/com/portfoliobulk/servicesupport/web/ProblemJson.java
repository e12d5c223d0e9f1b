package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import org.springframework.http.HttpStatus;

/**
 * An RFC 9457 problem as JSON text, with the product's problem type of its status ({@link
 * ProblemTypes}), for the answers written where no message converter is at hand: the container's error
 * report, a {@code TRACE} and an error page no exception resolver of the service answered.
 */
final class ProblemJson {

    private ProblemJson() {}

    /** The problem of {@code status} with its {@link #title}; {@code instance} is left out when null. */
    static String of(int status, String detail, String instance) {
        return ProblemTypes.json(status, title(status), detail, instance);
    }

    /**
     * The problem of {@code status} naming the request's id as {@code requestId}: an id {@link
     * RequestIdHeader#usable} (whose characters need no escaping in JSON).
     */
    static String of(int status, String detail, String instance, String requestId) {
        if (!RequestIdHeader.usable(requestId)) {
            throw new IllegalArgumentException("Not a usable request id");
        }
        String problem = of(status, detail, instance);
        return problem.substring(0, problem.length() - 1) + ",\"" + RequestIdHeader.LOG_KEY + "\":\"" + requestId
                + "\"}";
    }

    /**
     * The reason phrase of {@code status}, or {@code Error} for a status without one; a 404 is titled
     * {@value ProblemTexts#NOT_FOUND_TITLE}, as every 404 of the product.
     */
    static String title(int status) {
        if (status == HttpStatus.NOT_FOUND.value()) {
            return ProblemTexts.NOT_FOUND_TITLE;
        }
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }
}
