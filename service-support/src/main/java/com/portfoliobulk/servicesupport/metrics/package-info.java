/** Helpers for the services' Micrometer meters. */
package com.portfoliobulk.servicesupport.metrics;
