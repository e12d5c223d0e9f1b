/** How the services run their scheduled tasks. */
package com.portfoliobulk.servicesupport.scheduling;
