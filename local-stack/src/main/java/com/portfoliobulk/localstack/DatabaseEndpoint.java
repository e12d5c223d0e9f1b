package com.portfoliobulk.localstack;

/**
 * How to reach a running PostgreSQL database.
 *
 * @param jdbcUrl the JDBC URL of the application database
 * @param username the user name
 * @param password the password
 */
public record DatabaseEndpoint(String jdbcUrl, String username, String password) {}
