package com.portfoliobulk.servicesupport.web;

/**
 * A service's own filter that gives every request its id (the api-gateway's, at the edge, which makes
 * one when the client sent none). A service that has one keeps it alone: it gets none of {@link
 * RequestIdsAutoConfiguration}.
 */
public interface RequestIdOrigin {}
