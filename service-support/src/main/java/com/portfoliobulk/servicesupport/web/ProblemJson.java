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
        StringBuilder json = new StringBuilder(128)
                .append("{\"type\":")
                .append(quoted(ProblemTypes.forStatus(status).toString()))
                .append(",\"title\":")
                .append(quoted(title(status)))
                .append(",\"status\":")
                .append(status)
                .append(",\"detail\":")
                .append(quoted(detail));
        if (instance != null) {
            json.append(",\"instance\":").append(quoted(instance));
        }
        return json.append('}').toString();
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

    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
