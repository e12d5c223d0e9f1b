/** Digests the services store and compare. */
package com.portfoliobulk.servicesupport.digests;
