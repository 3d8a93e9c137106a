import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ADOPT_CALLS } from "../../../tools/deployerScopes";
import { HandClickedTenant, handMadeManagementApi } from "../../../local/tenant/handMadeTenant";
import { ROOT } from "../../../local/engine/operation";

/** ../shared next to the repository (or next to the worktrees' folder); the suite never needs it. */
const RECORDINGS = [path.join(ROOT, ".."), path.join(ROOT, "..", "..")]
    .map((dir) => path.join(dir, "shared", "provider-data", "auth0-mgmt-recordings.json"))
    .find((file) => fs.existsSync(file));

interface Interaction {
    readonly source: string;
    readonly method: string;
    readonly path: string;
    readonly query: string;
    readonly status: number;
    readonly responseBody: unknown;
}

/** Enough of every kind for each recorded list to have items where the recording has them. */
const TENANT: HandClickedTenant = {
    domain: "recorded.us.auth0.com",
    resourceServers: [{ id: "rs_1", identifier: "https://api.example.com/", name: "API", scopes: [{ value: "read:a", description: "a" }] }],
    clients: [{ client_id: "cl_1", name: "My App", app_type: "non_interactive", client_secret: "not-a-real-secret-0123456789" }],
    clientGrants: [
        { id: "cgr_1", client_id: "cl_1", audience: "https://api.example.com/", scope: ["read:a"], subject_type: "user" },
        { id: "cgr_2", client_id: "cl_1", audience: "https://api.example.com/", scope: ["read:a"] },
    ],
    rules: [{ id: "rul_1", name: "r", script: "function (u, c, cb) { cb(null, u, c); }", order: 1, enabled: true }],
    ruleConfigs: { foo: "bar" },
    actions: [{ id: "act_1", name: "Test Action", code: "exports.onExecutePostLogin = async () => {};", secrets: [{ name: "mySecretName", value: "v" }] }],
};

const FILTERS = ["client_id", "audience", "actionName", "identifiers", "is_global", "is_first_party", "app_type", "q"];

const keysOf = (v: unknown): string[] => (v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).sort() : []);

(RECORDINGS ? describe : describe.skip)("the hand-made tenant's Management API against Auth0's recorded answers (../shared/provider-data)", function () {
    const recorded = RECORDINGS ? (JSON.parse(fs.readFileSync(RECORDINGS, "utf8")) as { interactions: Interaction[] }).interactions : [];
    // A list answer is an array or holds one (a recorder's redaction left one clients answer without its list).
    const isList = (body: unknown) => Array.isArray(body) || (typeof body === "object" && body !== null && ["clients", "client_grants", "resource_servers", "rules", "actions"].some((k) => k in body));
    const lists = recorded.filter((i) => i.method === "GET" && i.status === 200 && ADOPT_CALLS.some((c) => c.path === i.path) && isList(i.responseBody));

    it("must have a recording of every list adopt reads", function () {
        assert.deepEqual([...new Set(lists.map((i) => i.path))].sort(), [...new Set(ADOPT_CALLS.map((c) => c.path))].sort());
    });

    it("must answer each recorded list query with the recorded paging fields, and items with the fields adopt and the provider read", function () {
        for (const i of lists) {
            const api = handMadeManagementApi(TENANT);
            // The recorded paging and field parameters, without the filters that name the recorded tenant's objects.
            const query = new URLSearchParams(i.query);
            for (const filter of FILTERS) query.delete(filter);
            const scope = ADOPT_CALLS.find((c) => c.path === i.path)!.scope;
            const reply = api.handle("GET", i.path, query, {}, [scope]);
            assert.equal(reply.status, 200, i.source);
            const where = `${i.source} (${i.path}?${i.query})`;
            assert.equal(Array.isArray(reply.body), Array.isArray(i.responseBody), `${where}: a bare array or an object`);
            const listKey = keysOf(i.responseBody).find((k) => Array.isArray((i.responseBody as Record<string, unknown>)[k]));
            // An empty recorded answer shows which fields an empty list has; ours is not empty.
            const recordedEmpty = listKey !== undefined && ((i.responseBody as Record<string, unknown[]>)[listKey].length === 0);
            if (!Array.isArray(i.responseBody) && !recordedEmpty) assert.deepEqual(keysOf(reply.body), keysOf(i.responseBody), `${where}: paging fields`);
            const recordedItems = (Array.isArray(i.responseBody) ? i.responseBody : listKey ? (i.responseBody as Record<string, unknown[]>)[listKey] : []) as Record<string, unknown>[];
            const ours = (Array.isArray(reply.body) ? reply.body : listKey ? (reply.body as Record<string, unknown[]>)[listKey] : []) as Record<string, unknown>[];
            if (!recordedItems.length) continue;
            assert.ok(ours.length, `${where}: items`);
            for (const field of ["id", "key", "client_id", "identifier", "name", "audience", "subject_type", "scope", "secrets", "app_type"]) {
                if (field in recordedItems[0] && (!query.get("fields") || query.get("fields")!.split(",").includes(field))) assert.ok(field in ours[0], `${where}: items carry ${field}`);
            }
            if (recordedItems[0].secrets) {
                assert.deepEqual((ours[0].secrets as object[]).map(keysOf), (recordedItems[0].secrets as object[]).map(keysOf), `${where}: secrets by name only`);
            }
            // Paging values as recorded: where the recording answers a fixed value (clients' `length` 0, `next` ""), so do we.
            for (const k of Array.isArray(i.responseBody) ? [] : ["length", "next", "start", "limit", "per_page"]) {
                const recordedValue = (i.responseBody as Record<string, unknown>)[k];
                if (recordedValue !== undefined && k !== "next") assert.equal((reply.body as Record<string, unknown>)[k], recordedValue, `${where}: ${k}`);
                if (k === "next" && recordedValue === "") assert.equal((reply.body as Record<string, unknown>)[k], "", `${where}: next`);
            }
        }
    });

    it("must answer every grant with its subject_type, a grant made without one as \"client\"", function () {
        const api = handMadeManagementApi(TENANT);
        const reply = api.handle("GET", "/api/v2/client-grants", new URLSearchParams("include_totals=true&per_page=50"), {}, ["read:client_grants"]);
        assert.deepEqual((reply.body as { client_grants: { id: string; subject_type: string }[] }).client_grants.map((g) => [g.id, g.subject_type]), [
            ["cgr_1", "user"],
            ["cgr_2", "client"],
        ]);
    });
});
