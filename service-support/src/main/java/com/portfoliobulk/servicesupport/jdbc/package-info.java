/** How the services bind parameters for PostgreSQL. */
package com.portfoliobulk.servicesupport.jdbc;
