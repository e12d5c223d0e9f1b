package com.portfoliobulk.gateway.jobs;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Runs the periodic housekeeping of the jobs feature (the retention of finished jobs and idempotency keys, the relay). */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class JobsConfiguration {}
