package com.portfoliobulk.gateway.web;

import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.support.SQLErrorCodeSQLExceptionTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

/**
 * Database errors become Spring's specific exceptions by PostgreSQL's error codes (Spring's own
 * table), so code catches {@link org.springframework.dao.CannotAcquireLockException} for a lock
 * timeout (55P03) and the problem advice answers a database that cannot take more connections (53300)
 * with 503, instead of looking at SQL states itself. Boot's JdbcTemplate, and the JdbcClient built
 * on it, use this translator.
 */
@Configuration(proxyBeanMethods = false)
class DataAccessConfiguration {

    @Bean
    SQLExceptionTranslator sqlExceptionTranslator(DataSource dataSource) {
        return new SQLErrorCodeSQLExceptionTranslator(dataSource);
    }
}
