package com.portfoliobulk.contracts;

/** Who requested a job: a person, or the portfolio's identity provider acting through SCIM. */
public enum ActorKind {
    /** A portfolio administrator, signed in with their own bearer token. */
    ADMINISTRATOR,
    /** The portfolio's identity provider, provisioning users through SCIM with a SCIM token. */
    IDENTITY_PROVIDER,
    /** The invited person, accepting their own invitation (in activity entries only, never a job's). */
    INVITEE
}
