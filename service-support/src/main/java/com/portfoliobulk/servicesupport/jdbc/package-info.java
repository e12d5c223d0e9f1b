/** How the services bind parameters for PostgreSQL, and how long their connections wait for it. */
package com.portfoliobulk.servicesupport.jdbc;
