package com.portfoliobulk.servicesupport.web;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Errors raised outside Spring MVC, which the servlet container forwards to the error page (an
 * exception thrown by a filter, {@code sendError} from a filter or from the container), answer the
 * same problem as every other error of the service, instead of Spring Boot's error JSON or its
 * whitelabel page: {@link ProblemErrorPage} hands them to the service's own exception handling
 * ({@link ServiceProblems} in the bulk-worker and the audit-consumer). A service with an error
 * controller of its own (the api-gateway's) keeps it, and gets none of this. Configured before
 * Spring Boot's error handling, whose error controller then backs off.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ErrorController.class, DispatcherServlet.class})
public final class ErrorPageProblemsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(ErrorController.class)
    ProblemErrorPage problemErrorPage(ObjectProvider<HandlerExceptionResolver> problems) {
        return new ProblemErrorPage(problems);
    }
}
