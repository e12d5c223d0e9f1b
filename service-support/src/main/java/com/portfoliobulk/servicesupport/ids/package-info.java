/** Identifiers the services make for new rows. */
package com.portfoliobulk.servicesupport.ids;
