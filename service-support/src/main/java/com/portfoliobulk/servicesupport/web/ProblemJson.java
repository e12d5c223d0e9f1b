package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import org.springframework.http.HttpStatus;

/**
 * An RFC 9457 problem as JSON text, with the product's problem type of its status ({@link
 * ProblemTypes}), for the answers written where no message converter is at hand: the container's error
 * report and a {@code TRACE} no exception resolver of the service answered.
 */
final class ProblemJson {

    private ProblemJson() {}

    /** The problem of {@code status} with its reason phrase as title; {@code instance} is left out when null. */
    static String of(int status, String detail, String instance) {
        HttpStatus known = HttpStatus.resolve(status);
        StringBuilder json = new StringBuilder(128)
                .append("{\"type\":")
                .append(quoted(ProblemTypes.forStatus(status).toString()))
                .append(",\"title\":")
                .append(quoted(known == null ? "Error" : known.getReasonPhrase()))
                .append(",\"status\":")
                .append(status)
                .append(",\"detail\":")
                .append(quoted(detail));
        if (instance != null) {
            json.append(",\"instance\":").append(quoted(instance));
        }
        return json.append('}').toString();
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
