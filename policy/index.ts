import { PolicyPack } from "@pulumi/policy";
import { POLICIES, POLICY_PACK_NAME } from "./policies";

// The entry point the Pulumi CLI runs for `pulumi preview --policy-pack policy`: constructing the
// pack starts the analyzer server. Tests import ./policies instead.
new PolicyPack(POLICY_PACK_NAME, {
    description: "Guardrails for the Auth0 tenant as code: M2M clients, Management API scopes, login secrets, runtimes, rule order, protection.",
    enforcementLevel: "mandatory",
    policies: POLICIES,
});
