/**
 * Real PostgreSQL and Kafka for tests. {@link com.portfoliobulk.testsupport.SharedInfrastructure}
 * starts them once per JVM; {@link com.portfoliobulk.testsupport.SharedInfrastructureContextCustomizerFactory}
 * points every Spring Boot test at them. {@link com.portfoliobulk.testsupport.DirectorySeed} seeds the
 * account directory; {@link com.portfoliobulk.testsupport.ContainerRejectionsContract} is the check every
 * service runs against its servlet container's own rejections.
 */
package com.portfoliobulk.testsupport;
