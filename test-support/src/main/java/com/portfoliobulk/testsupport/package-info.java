/**
 * Real PostgreSQL and Kafka for tests. {@link com.portfoliobulk.testsupport.SharedInfrastructure}
 * starts them once per JVM; {@link com.portfoliobulk.testsupport.SharedInfrastructureContextCustomizerFactory}
 * points every Spring Boot test at them.
 */
package com.portfoliobulk.testsupport;
