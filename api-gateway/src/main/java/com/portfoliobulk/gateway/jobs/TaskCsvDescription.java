package com.portfoliobulk.gateway.jobs;

import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The task list's CSV answer in the API description: the same operation as the JSON pages, answered
 * as {@code text/csv} when the client accepts it (the handler of its own is not a separate operation).
 */
@Configuration(proxyBeanMethods = false)
class TaskCsvDescription {

    static final String TASKS_PATH = "/api/v1/portfolios/{portfolioId}/bulk-jobs/{jobId}/tasks";

    @Bean
    OpenApiCustomizer taskCsv() {
        return openApi -> {
            PathItem tasks =
                    openApi.getPaths() == null ? null : openApi.getPaths().get(TASKS_PATH);
            if (tasks == null || tasks.getGet() == null || tasks.getGet().getResponses() == null) {
                return;
            }
            ApiResponse ok = tasks.getGet().getResponses().get("200");
            if (ok == null || ok.getContent() == null) {
                return;
            }
            ok.getContent()
                    .addMediaType(
                            "text/csv",
                            new MediaType()
                                    .schema(new StringSchema()
                                            .description("With `Accept: text/csv`: the whole filtered list as RFC 4180"
                                                    + " CSV with a header line (" + TaskCsv.HEADER + "); `limit` and"
                                                    + " `cursor` do not apply. Cells that would open as a"
                                                    + " spreadsheet formula start with `'`."))
                                    .example(TaskCsv.HEADER + "\r\n"));
            ok.addHeaderObject(
                    "Content-Disposition",
                    new Header().description("For CSV: `attachment; filename=\"job-<jobId>-tasks.csv\"`."));
        };
    }
}
