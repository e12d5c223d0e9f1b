/** Authentication of the services' calls to each other: internal tokens, their filter and their client side. */
package com.portfoliobulk.internalauth;
