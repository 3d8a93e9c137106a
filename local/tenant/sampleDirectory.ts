/**
 * The people a local tenant's logins run as. A stack declares no users, so the local tenant is
 * given a small directory: users, their Authorization Extension groups, and what the custom API
 * answers for their entitlements.
 */
import { GroupModel, UserModel } from "./model";

/** Sample users for the local tenant: a stack declares no users, so logins need someone. */
export interface SampleDirectory {
    readonly users: readonly UserModel[];
    /** Group memberships (Authorization Extension groups). */
    readonly groups: readonly GroupModel[];
    /** What the custom API answers for GET /users/{id}/entitlements. */
    readonly entitlements: Readonly<Record<string, readonly string[]>>;
}

export const SAMPLE_DIRECTORY: SampleDirectory = {
    users: [
        { user_id: "auth0|alice", email: "alice@example.test", email_verified: true },
        { user_id: "auth0|bob", email: "bob@example.test", email_verified: true },
        { user_id: "auth0|carol", email: "carol@example.test", email_verified: false },
    ],
    groups: [
        { _id: "g-admins", name: "admins", description: "Tenant administrators", members: ["auth0|alice"] },
        { _id: "g-readers", name: "readers", description: "Read-only access to reports", members: ["auth0|alice"] },
    ],
    entitlements: { "auth0|alice": ["reports:read", "billing:view"], "auth0|bob": ["reports:read"] },
};
