/**
 * How the services bind parameters for PostgreSQL, how long their connections wait for it, what a
 * failed call means, and how a listener stands aside while the database does not answer.
 */
package com.portfoliobulk.servicesupport.jdbc;
