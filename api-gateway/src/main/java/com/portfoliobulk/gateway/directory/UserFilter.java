package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import java.util.UUID;

/**
 * Which of the portfolio's users to list; every part is optional ({@code null}) and all given parts
 * must hold.
 *
 * @param emailContains the e-mail address contains this text, ignoring case, as typed or with a domain's
 *     labels typed in Unicode in their xn-- form ({@link com.portfoliobulk.contracts.EmailAddresses#searchText}):
 *     addresses are kept in that form, but one stored before that rule may hold its domain in Unicode
 * @param role the user holds, or is invited with, this role on at least one linked account
 * @param accountId the user has access to, or a pending invitation to, this account
 */
record UserFilter(String emailContains, AccountRole role, UUID accountId) {}
