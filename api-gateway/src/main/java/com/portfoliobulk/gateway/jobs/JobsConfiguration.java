package com.portfoliobulk.gateway.jobs;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/** Runs the periodic housekeeping of the jobs feature ({@link IdempotencyKeyCleanup}). */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class JobsConfiguration {}
