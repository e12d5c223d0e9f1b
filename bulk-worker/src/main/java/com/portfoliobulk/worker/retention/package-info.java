/** What the worker keeps only for a while, and its deletion once that has passed. */
package com.portfoliobulk.worker.retention;
