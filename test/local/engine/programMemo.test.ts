import assert from "node:assert/strict";
import { ProgramRunRequest } from "../../../local/engine/languageHost";
import { MonitorHandlers, Registration, RegisterResult } from "../../../local/engine/monitor";
import { Props, Secret, UNKNOWN } from "../../../local/engine/wire";
import { identical, recording, ReplayMismatch, replaying, runKey, Transcript } from "../../../local/engine/programMemo";

/** A program that registers `a`, then `b` with `a`'s output, then exports `b`'s: what it asks depends on what it is told. */
const program = async (_req: ProgramRunRequest, h: MonitorHandlers) => {
    const a = await h.register(registration("a", { size: 1 }));
    const b = await h.register(registration("b", { from: a.outputs.value }));
    h.registerOutputs("stack", { b: b.outputs.value });
    return { bail: false, exitCode: 0, stdout: "", stderr: "" };
};

function registration(name: string, inputs: Props): Registration {
    return {
        type: "test:index:Thing", name, parent: "", custom: true, inputs, dependencies: [], propertyDependencies: {}, protect: undefined,
        deleteBeforeReplace: false, ignoreChanges: [], replaceOnChanges: [], retainOnDelete: undefined, additionalSecretOutputs: [], provider: "", version: "", aliasCount: 0,
    };
}

/** Handlers answering each registration with `answer(name, inputs)`, keeping what they were asked. */
function engine(answer: (name: string, inputs: Props) => Props) {
    const asked: Registration[] = [];
    const exported: Props[] = [];
    const handlers: MonitorHandlers = {
        register: (r): Promise<RegisterResult> => {
            asked.push(r);
            return Promise.resolve({ urn: `urn:${r.name}`, id: `${r.name}-id`, outputs: answer(r.name, r.inputs) });
        },
        registerOutputs: (_urn, outputs) => void exported.push(outputs),
        invoke: () => ({}),
        log: () => undefined,
    };
    return { handlers, asked, exported };
}

const REQUEST = {} as ProgramRunRequest;

describe("local/engine/programMemo (the drift lab's recorded program runs)", function () {
    async function recorded(answer: (name: string, inputs: Props) => Props): Promise<Transcript> {
        let transcript: Transcript | undefined;
        await recording(runKey(true), (t) => (transcript = t), program)(REQUEST, engine(answer).handlers);
        return transcript!;
    }

    it("must replay a run whose every answer is the recorded one: the same requests, in order, and the recorded outputs", async function () {
        const answer = (name: string, inputs: Props): Props => ({ ...inputs, value: `${name}-value` });
        const transcript = await recorded(answer);
        const live = engine(answer);
        await replaying(transcript)(REQUEST, live.handlers);
        assert.deepEqual(live.asked.map((r) => [r.name, r.inputs]), [["a", { size: 1 }], ["b", { from: "a-value" }]]);
        assert.deepEqual(live.exported, [{ b: "b-value" }]);
    });

    it("must stop at the first answer the recorded run did not get, before making a request that depended on it", async function () {
        const transcript = await recorded((name, inputs) => ({ ...inputs, value: `${name}-value` }));
        const live = engine((name, inputs) => ({ ...inputs, value: name === "a" ? "another value" : `${name}-value` }));
        await assert.rejects(replaying(transcript)(REQUEST, live.handlers), (err: Error) => err instanceof ReplayMismatch && /^a: another answer/.test(err.message));
        assert.deepEqual(live.asked.map((r) => r.name), ["a"]);
    });

    it("must tell a secret from its plaintext and an unknown from a value, as the program does", function () {
        assert.equal(identical({ v: new Secret("x") }, { v: "x" }), false);
        assert.equal(identical({ v: UNKNOWN }, { v: "x" }), false);
        assert.equal(identical({ v: UNKNOWN, w: undefined }, { v: UNKNOWN }), true);
        assert.equal(identical([new Secret({ a: 1 })], [new Secret({ a: 1 })]), true);
    });

    it("must key a run by the dry-run flag and the config set, in any key order", function () {
        assert.equal(runKey(false, { b: 1, a: 2 }), runKey(false, { a: 2, b: 1 }));
        assert.notEqual(runKey(false), runKey(true));
        assert.notEqual(runKey(false), runKey(false, { secretGeneration: 3 }));
    });
});
