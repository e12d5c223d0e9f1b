/**
 * The web console: server-rendered pages (Thymeleaf, htmx) for portfolio administrators. It holds no
 * business rules of its own: every read and change goes through the gateway's public API with the
 * signed-in administrator's bearer token ({@link com.portfoliobulk.gateway.console.GatewayApi}), so
 * permissions, validation, previews, idempotency and rate limits are exactly those of the API.
 */
package com.portfoliobulk.gateway.console;
