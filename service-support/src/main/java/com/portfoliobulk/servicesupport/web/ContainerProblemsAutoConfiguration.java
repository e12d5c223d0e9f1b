package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import java.io.IOException;
import java.io.Writer;
import java.util.UUID;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;

/**
 * Requests the servlet container refuses before the application sees them (an encoded NUL, slash or
 * backslash in a path segment, a control character in a header value) answer problem+json like
 * every other error, instead of the container's HTML error page: the host's error report is
 * replaced by {@link ProblemReportValve}, in every service, with the product's problem type URNs
 * ({@link ProblemTypes}). Errors the application answers itself are not touched. In a service that
 * gives its requests their ids ({@link RequestIdOrigin}: the api-gateway), such an answer carries one
 * too, as every other answer of it ({@link RequestIdProblemReportValve}).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({TomcatServletWebServerFactory.class, ErrorReportValve.class})
public final class ContainerProblemsAutoConfiguration {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReport(ListableBeanFactory beans) {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                boolean idOrigin = beans.getBeanNamesForType(RequestIdOrigin.class, true, false).length > 0;
                host.setErrorReportValveClass(
                        (idOrigin ? RequestIdProblemReportValve.class : ProblemReportValve.class).getName());
            }
        });
    }

    /** The container's error report as an RFC 9457 problem, with no detail of the server. */
    public static class ProblemReportValve extends ErrorReportValve {

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int code = response.getStatus();
            // As the HTML report: only errors, only when nothing was written, only once.
            if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            HttpStatus status = HttpStatus.resolve(code);
            String phrase = status == null ? "Error" : status.getReasonPhrase();
            String detail = code == HttpStatus.NOT_IMPLEMENTED.value()
                    ? "The request asks for a method or a Transfer-Encoding this server does not implement; use"
                            + " GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS, and no Transfer-Encoding but chunked."
                    : code >= 500
                            ? "The request could not be completed; try again later."
                            : "The request cannot be answered: " + code + " " + phrase
                                    + ". Check the path, query string and headers: for characters that are not"
                                    + " allowed there (such as an encoded / or \\ in the path), or for more of them"
                                    + " than the server reads (8 KB of request line and headers).";
            String json = problem(request, response, code, detail);
            try {
                response.setContentType("application/problem+json");
                response.setCharacterEncoding("UTF-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(json);
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException ex) {
                // The client is gone or the response cannot take a body any more: nothing to answer.
            }
        }

        /** The problem+json text of the answer, its headers set: the status's problem, with {@code detail}. */
        String problem(Request request, Response response, int code, String detail) {
            return ProblemJson.of(code, detail, null);
        }
    }

    /**
     * The container's error report of a service that gives its requests their ids: it carries one in
     * {@value RequestIdHeader#NAME} and as the problem's {@code requestId}, by the rule of the service's
     * own filter, which the refused request never reached: the client's {@value RequestIdHeader#NAME} when
     * it is usable ({@link RequestIdHeader#usable}), otherwise a new UUID; or the id the answer has
     * already, when the request was refused after that filter ran.
     */
    public static class RequestIdProblemReportValve extends ProblemReportValve {

        @Override
        String problem(Request request, Response response, int code, String detail) {
            String id = response.getHeader(RequestIdHeader.NAME);
            if (!RequestIdHeader.usable(id)) {
                String sent = request.getHeader(RequestIdHeader.NAME);
                id = RequestIdHeader.usable(sent) ? sent : UUID.randomUUID().toString();
                response.setHeader(RequestIdHeader.NAME, id);
            }
            return ProblemJson.of(code, detail, null, id);
        }
    }
}
