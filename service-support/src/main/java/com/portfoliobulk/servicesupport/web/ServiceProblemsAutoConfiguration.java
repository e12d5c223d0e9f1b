package com.portfoliobulk.servicesupport.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * One error model for the services whose HTTP API has no problem advice of its own (the bulk-worker
 * and the audit-consumer): {@link ServiceProblems} answers their errors as the product's problems. A
 * service with its own {@link ResponseEntityExceptionHandler} (the api-gateway's {@code
 * ProblemAdvice}) keeps it, and gets none of this. Configured before Spring Boot's web MVC
 * configuration, so that its problem details handler (when enabled) backs off too; ordered last among
 * the advices, so that a service's own advice for an exception of its own is asked first.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ResponseEntityExceptionHandler.class, JacksonException.class})
public final class ServiceProblemsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(ResponseEntityExceptionHandler.class)
    @Order(Ordered.LOWEST_PRECEDENCE)
    ServiceProblems serviceProblems() {
        return new ServiceProblems();
    }
}
