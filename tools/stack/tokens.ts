/**
 * What names the program, without the Pulumi SDK: the repository root and the project. For code
 * that reads a program run's results (the local tenant's serving thread) and must not pay for
 * loading @pulumi/pulumi (tools/stack/program.ts re-exports these). The resource type tokens live
 * in infra/resourceTypes.ts.
 */

export { ROOT } from "../repository";
export const PROJECT = "auth0-tenant";

