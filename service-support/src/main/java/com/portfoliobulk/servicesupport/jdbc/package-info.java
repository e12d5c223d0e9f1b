/**
 * How the services bind parameters for PostgreSQL, how long their connections wait for it, what a
 * failed call means, how a listener stands aside while the database does not answer, and a service's
 * start that only migrates its schema.
 */
package com.portfoliobulk.servicesupport.jdbc;
