package com.portfoliobulk.contracts;

/** Through which door a job came in. */
public enum JobOrigin {
    /** Submitted by an administrator through the bulk jobs API. */
    API,
    /** Created by the portfolio's identity provider deprovisioning a user through SCIM. */
    SCIM;

    /** The kind of actor behind jobs of this origin. */
    public ActorKind actorKind() {
        return this == SCIM ? ActorKind.IDENTITY_PROVIDER : ActorKind.ADMINISTRATOR;
    }
}
