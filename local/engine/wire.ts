/**
 * Property values as they cross the engine's gRPC boundary (google.protobuf.Struct), with the
 * special envelopes the SDK and the engine use: unknowns, secrets, resource references and output
 * values. Signatures and shapes from pulumi/pulumi sdk/go/common/resource/plugin/rpc.go
 * (MarshalPropertyValue / UnmarshalPropertyValue) and sdk/nodejs/runtime/rpc.ts, re-exported by
 * the installed SDK as `@pulumi/pulumi/runtime/rpc`.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";

/** A value not known until the update runs (a preview's computed output). */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Unknown = typeof UNKNOWN;

/** A value the program or the engine marked secret. */
export class Secret {
    constructor(readonly value: Value) {}
}

/** A reference to another resource (resourceReferences feature). */
export class ResourceRef {
    constructor(readonly urn: string, readonly id?: Value) {}
}

export type Value = null | undefined | string | number | boolean | Unknown | Secret | ResourceRef | Value[] | { [key: string]: Value };
export type Props = Record<string, Value>;

/** Decodes a Struct's JavaScript form (`struct.toJavaScript()`) into typed values. */
export function decode(value: unknown): Value {
    if (value === rpc.unknownValue) return UNKNOWN;
    if (Array.isArray(value)) return value.map(decode);
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        switch (obj[rpc.specialSigKey]) {
            case rpc.specialSecretSig:
                return new Secret(decode(obj.value));
            case rpc.specialResourceSig:
                return new ResourceRef(String(obj.urn), obj.id === undefined ? undefined : decode(obj.id));
            case rpc.specialOutputValueSig: {
                // An Output sent whole: unknown when it has no value, secret when flagged.
                const inner = "value" in obj ? decode(obj.value) : UNKNOWN;
                return obj.secret ? new Secret(inner) : inner;
            }
            case undefined:
                return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decode(v)]));
            default:
                throw new Error(`engine double: unsupported property envelope ${String(obj[rpc.specialSigKey])}`);
        }
    }
    return value as Value;
}

/** Encodes typed values for a Struct (`Struct.fromJavaScript`). */
export function encode(value: Value): unknown {
    if (value === UNKNOWN) return rpc.unknownValue;
    if (value instanceof Secret) return { [rpc.specialSigKey]: rpc.specialSecretSig, value: encode(value.value) };
    if (value instanceof ResourceRef) {
        return { [rpc.specialSigKey]: rpc.specialResourceSig, urn: value.urn, ...(value.id === undefined ? {} : { id: encode(value.id) }) };
    }
    if (Array.isArray(value)) return value.map(encode);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, encode(v)]));
    }
    return value;
}

/** True when any part of the value is unknown. */
export function containsUnknown(value: Value): boolean {
    if (value === UNKNOWN) return true;
    if (value instanceof Secret) return containsUnknown(value.value);
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object" && !(value instanceof ResourceRef)) return Object.values(value).some(containsUnknown);
    return false;
}

/** True when any part of the value is secret. */
export function containsSecret(value: Value): boolean {
    if (value instanceof Secret) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value && typeof value === "object" && !(value instanceof ResourceRef)) return Object.values(value).some(containsSecret);
    return false;
}

/** The value with secret envelopes removed (for checks that look at plain values). */
export function reveal(value: Value): Value {
    if (value instanceof Secret) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object" && !(value instanceof ResourceRef)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

/** Deep equality of two values, as the engine compares property values (secrets by content). */
export function sameValue(a: Value, b: Value): boolean {
    if (a === UNKNOWN || b === UNKNOWN) return false;
    if (a instanceof Secret) return sameValue(a.value, b instanceof Secret ? b.value : b);
    if (b instanceof Secret) return sameValue(a, b.value);
    if (a instanceof ResourceRef || b instanceof ResourceRef) {
        return a instanceof ResourceRef && b instanceof ResourceRef && a.urn === b.urn;
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
    }
    if (a && b && typeof a === "object" && typeof b === "object") {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => (a)[k] !== undefined || (b)[k] !== undefined));
        return [...keys].every((k) => sameValue((a)[k], (b)[k]));
    }
    return a === b;
}

/** Renders a value for a plan, secrets as `[secret]`, unknowns as `output<unknown>` as the CLI shows them. */
export function show(value: Value): string {
    if (value === UNKNOWN) return "output<unknown>";
    if (value instanceof Secret) return "[secret]";
    if (value instanceof ResourceRef) return value.urn;
    if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
    if (value && typeof value === "object") return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${show(v)}`).join(", ")}}`;
    return JSON.stringify(value);
}
