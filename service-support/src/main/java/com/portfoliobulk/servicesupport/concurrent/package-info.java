/** Small helpers for work shared between threads. */
package com.portfoliobulk.servicesupport.concurrent;
