/**
 * What the installed provider packages declare: for a resource or function token, the input
 * properties of its `*Args` interface (required or optional, with their types, nested input types
 * and enums) and the output-only properties of its class — read with the TypeScript compiler API
 * from the packages' own `.d.ts`, so a version bump of @pulumi/auth0, @pulumi/random or
 * @pulumi/command updates the check by itself. A token the package does not declare fails loudly.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ResourceRef, Secret, UNKNOWN, Value } from "./wire";

export type TypeSpec =
    | { readonly kind: "string" | "number" | "boolean" | "any" }
    | { readonly kind: "enum"; readonly values: readonly string[] }
    | { readonly kind: "array"; readonly items: TypeSpec }
    | { readonly kind: "map"; readonly values: TypeSpec }
    | { readonly kind: "object"; readonly name: string; readonly props: Readonly<Record<string, PropertySpec>> }
    | { readonly kind: "union"; readonly options: readonly TypeSpec[] };

export interface PropertySpec {
    readonly type: TypeSpec;
    readonly required: boolean;
}

export interface ResourceSchema {
    readonly token: string;
    readonly packageName: string;
    readonly packageVersion: string;
    /** The `.d.ts` it was read from, relative to node_modules. */
    readonly file: string;
    readonly inputs: Readonly<Record<string, PropertySpec>>;
    /** Properties of the class that are not inputs (computed by the provider). */
    readonly outputsOnly: readonly string[];
}

/** A token outside what the installed packages declare. */
export class SchemaError extends Error {}

const NODE_MODULES = path.resolve(__dirname, "../../node_modules");
const sources = new Map<string, ts.SourceFile>();

function source(file: string): ts.SourceFile {
    let sf = sources.get(file);
    if (!sf) {
        sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
        sources.set(file, sf);
    }
    return sf;
}

/** Finds a declaration by qualified name (`remote.Connection`) among a file's namespaces. */
function findDeclaration(sf: ts.SourceFile, qualified: string[]): ts.Node | undefined {
    let scope: readonly ts.Statement[] = sf.statements;
    for (let i = 0; i < qualified.length; i++) {
        const name = qualified[i];
        const last = i === qualified.length - 1;
        let next: readonly ts.Statement[] | undefined;
        for (const st of scope) {
            if (last && (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isClassDeclaration(st)) && st.name?.text === name) return st;
            if (last && ts.isVariableStatement(st) && st.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) {
                return st.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
            }
            if (!last && ts.isModuleDeclaration(st) && st.name.text === name && st.body && ts.isModuleBlock(st.body)) next = st.body.statements;
        }
        if (!next) return undefined;
        scope = next;
    }
    return undefined;
}

interface PackageContext {
    readonly dir: string;
    /** `import * as X from "<path>"` of the file being read. */
    readonly imports: ReadonlyMap<string, string>;
}

function importsOf(sf: ts.SourceFile): Map<string, string> {
    const imports = new Map<string, string>();
    for (const st of sf.statements) {
        if (ts.isImportDeclaration(st) && st.importClause?.namedBindings && ts.isNamespaceImport(st.importClause.namedBindings) && ts.isStringLiteral(st.moduleSpecifier)) {
            imports.set(st.importClause.namedBindings.name.text, st.moduleSpecifier.text);
        }
    }
    return imports;
}

function resolveImport(fromFile: string, spec: string): string {
    const base = path.resolve(path.dirname(fromFile), spec);
    for (const candidate of [`${base}.d.ts`, path.join(base, "index.d.ts")]) if (fs.existsSync(candidate)) return candidate;
    throw new SchemaError(`cannot resolve ${spec} from ${fromFile}`);
}

function propsOf(members: ts.NodeArray<ts.TypeElement>, file: string, ctx: PackageContext): Record<string, PropertySpec> {
    const props: Record<string, PropertySpec> = {};
    for (const m of members) {
        if (ts.isPropertySignature(m) && m.type && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) {
            props[m.name.text] = { type: typeOf(m.type, file, ctx), required: !m.questionToken };
        }
    }
    return props;
}

function typeOf(node: ts.TypeNode, file: string, ctx: PackageContext): TypeSpec {
    switch (node.kind) {
        case ts.SyntaxKind.StringKeyword:
            return { kind: "string" };
        case ts.SyntaxKind.NumberKeyword:
            return { kind: "number" };
        case ts.SyntaxKind.BooleanKeyword:
            return { kind: "boolean" };
        case ts.SyntaxKind.AnyKeyword:
        case ts.SyntaxKind.UnknownKeyword:
            return { kind: "any" };
    }
    if (ts.isParenthesizedTypeNode(node)) return typeOf(node.type, file, ctx);
    if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { kind: "enum", values: [node.literal.text] };
    if (ts.isArrayTypeNode(node)) return { kind: "array", items: typeOf(node.elementType, file, ctx) };
    if (ts.isUnionTypeNode(node)) {
        const options = node.types
            .filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword && !(ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword))
            .map((t) => typeOf(t, file, ctx));
        if (options.length === 1) return options[0];
        if (options.every((o) => o.kind === "enum")) return { kind: "enum", values: options.flatMap((o) => (o.kind === "enum" ? o.values : [])) };
        return { kind: "union", options };
    }
    if (ts.isTypeLiteralNode(node)) {
        const index = node.members.find(ts.isIndexSignatureDeclaration);
        if (index?.type) return { kind: "map", values: typeOf(index.type, file, ctx) };
        return { kind: "object", name: "{...}", props: propsOf(node.members, file, ctx) };
    }
    if (ts.isTypeReferenceNode(node)) {
        const name = node.typeName.getText();
        const [head, ...rest] = name.split(".");
        if (name === "pulumi.Input" || name === "pulumi.Output" || name === "Promise") return typeOf(node.typeArguments![0], file, ctx);
        if (name === "Record" && node.typeArguments?.length === 2) return { kind: "map", values: typeOf(node.typeArguments[1], file, ctx) };
        const target = ctx.imports.get(head);
        if (target && rest.length) {
            const targetFile = resolveImport(file, target);
            return namedType(targetFile, rest, ctx.dir);
        }
        return namedType(file, [name], ctx.dir);
    }
    throw new SchemaError(`engine double: cannot read type ${node.getText()} in ${file}`);
}

const namedTypes = new Map<string, TypeSpec>();

function namedType(file: string, qualified: string[], dir: string): TypeSpec {
    const cacheKey = `${file}#${qualified.join(".")}`;
    const cached = namedTypes.get(cacheKey);
    if (cached) return cached;
    const sf = source(file);
    const decl = findDeclaration(sf, qualified);
    const ctx: PackageContext = { dir, imports: importsOf(sf) };
    // `import * as local from "./local"; export { local }`: follow the re-export.
    const reexport = ctx.imports.get(qualified[0]);
    if (!decl && reexport && qualified.length > 1) return namedType(resolveImport(file, reexport), qualified.slice(1), dir);
    let spec: TypeSpec;
    if (decl && ts.isInterfaceDeclaration(decl)) {
        // Registered before its properties are read, so recursive types terminate.
        const props: Record<string, PropertySpec> = {};
        spec = { kind: "object", name: qualified.join("."), props };
        namedTypes.set(cacheKey, spec);
        Object.assign(props, propsOf(decl.members, file, ctx));
        return spec;
    } else if (decl && ts.isVariableDeclaration(decl) && decl.type && ts.isTypeLiteralNode(decl.type)) {
        // An enum: `export declare const Logging: { readonly Stdout: "stdout"; ... }`.
        const values = decl.type.members.flatMap((m) =>
            ts.isPropertySignature(m) && m.type && ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal) ? [m.type.literal.text] : [],
        );
        spec = { kind: "enum", values };
    } else if (decl && ts.isTypeAliasDeclaration(decl)) {
        spec = typeOf(decl.type, file, ctx);
    } else {
        throw new SchemaError(`engine double: no declaration of ${qualified.join(".")} in ${path.relative(NODE_MODULES, file)}`);
    }
    namedTypes.set(cacheKey, spec);
    return spec;
}

/** The installed package holding a token's package name: `auth0` → @pulumi/auth0. */
function packageDir(pkg: string): { dir: string; version: string } {
    const dir = path.join(NODE_MODULES, "@pulumi", pkg);
    const manifest = path.join(dir, "package.json");
    if (!fs.existsSync(manifest)) throw new SchemaError(`engine double: no installed package @pulumi/${pkg} for tokens of ${pkg}:`);
    return { dir, version: (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version };
}

/**
 * The `.d.ts` a token lives in: `auth0:index/client:Client` → client.d.ts, `command:local:Command`
 * → local/command.d.ts (the layout pulumi/pulumi's nodejs codegen writes,
 * pkg/codegen/nodejs/gen.go: one file per resource, named by the member's camelCase name, in the
 * module's folder; `index` is the package root).
 */
function tokenFile(token: string): { pkg: string; dir: string; version: string; file: string; member: string } {
    const parts = token.split(":");
    if (parts.length !== 3) throw new SchemaError(`engine double: ${token} is not a <package>:<module>:<member> token`);
    const [pkg, mod, member] = parts;
    const { dir, version } = packageDir(pkg);
    const moduleName = mod.split("/")[0];
    const fileBase = member.charAt(0).toLowerCase() + member.slice(1);
    const file = path.join(dir, moduleName === "index" ? "" : moduleName, `${fileBase}.d.ts`);
    if (!fs.existsSync(file)) throw new SchemaError(`engine double: @pulumi/${pkg} ${version} declares no ${token} (no ${path.relative(NODE_MODULES, file)})`);
    return { pkg, dir, version, file, member };
}

const schemas = new Map<string, ResourceSchema>();

/** The schema of a resource type, or of a function (invoke) when `invoke` is set. */
export function schemaOf(token: string, invoke = false): ResourceSchema {
    const cacheKey = `${invoke ? "fn" : "res"}:${token}`;
    const cached = schemas.get(cacheKey);
    if (cached) return cached;
    const { pkg, dir, version, file, member } = tokenFile(token);
    const sf = source(file);
    // The class (or function) must carry this exact token, as the SDK registers it.
    const js = fs.readFileSync(file.replace(/\.d\.ts$/, ".js"), "utf8");
    if (!js.includes(`'${token}'`) && !js.includes(`"${token}"`)) {
        throw new SchemaError(`engine double: @pulumi/${pkg} ${version} does not register ${token} (${path.relative(NODE_MODULES, file)})`);
    }
    const ctx: PackageContext = { dir, imports: importsOf(sf) };
    const argsName = `${member.charAt(0).toUpperCase()}${member.slice(1)}Args`;
    const args = findDeclaration(sf, [argsName]);
    const inputs = args && ts.isInterfaceDeclaration(args) ? propsOf(args.members, file, ctx) : {};
    let outputsOnly: string[] = [];
    if (!invoke) {
        const cls = findDeclaration(sf, [member]);
        if (!cls || !ts.isClassDeclaration(cls)) throw new SchemaError(`engine double: no class ${member} in ${path.relative(NODE_MODULES, file)}`);
        outputsOnly = cls.members.flatMap((m) =>
            ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) && !(m.name.text in inputs)
                ? [m.name.text]
                : [],
        );
    }
    const schema: ResourceSchema = { token, packageName: `@pulumi/${pkg}`, packageVersion: version, file: path.relative(NODE_MODULES, file), inputs, outputsOnly };
    schemas.set(cacheKey, schema);
    return schema;
}

/** Violations of a schema by a value, each naming the property path and the declared type. */
export function checkProps(props: Readonly<Record<string, PropertySpec>>, values: Record<string, Value>, at: string, owner: string): string[] {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(values)) {
        if (value === undefined) continue;
        const spec = props[name];
        if (!spec) {
            problems.push(`${at}${name}: not a property of ${owner}`);
            continue;
        }
        problems.push(...checkValue(spec.type, value, `${at}${name}`));
    }
    for (const [name, spec] of Object.entries(props)) {
        if (spec.required && (values[name] === undefined || values[name] === null)) problems.push(`${at}${name}: missing required property of ${owner}`);
    }
    return problems;
}

function describe(spec: TypeSpec): string {
    switch (spec.kind) {
        case "enum":
            return spec.values.map((v) => JSON.stringify(v)).join(" | ");
        case "array":
            return `${describe(spec.items)}[]`;
        case "map":
            return `map of ${describe(spec.values)}`;
        case "object":
            return spec.name;
        case "union":
            return spec.options.map(describe).join(" | ");
        default:
            return spec.kind;
    }
}

export function checkValue(spec: TypeSpec, value: Value, at: string): string[] {
    if (value === UNKNOWN || value === undefined || value === null) return [];
    if (value instanceof Secret) return checkValue(spec, value.value, at);
    const wrong = [`${at}: ${JSON.stringify(value instanceof ResourceRef ? value.urn : value)} is not ${describe(spec)}`];
    switch (spec.kind) {
        case "any":
            return [];
        case "string":
            return typeof value === "string" ? [] : wrong;
        case "number":
            return typeof value === "number" ? [] : wrong;
        case "boolean":
            return typeof value === "boolean" ? [] : wrong;
        case "enum":
            return typeof value === "string" && spec.values.includes(value) ? [] : wrong;
        case "array":
            return Array.isArray(value) ? value.flatMap((v, i) => checkValue(spec.items, v, `${at}[${i}]`)) : wrong;
        case "map":
            return value && typeof value === "object" && !Array.isArray(value) && !(value instanceof ResourceRef)
                ? Object.entries(value).flatMap(([k, v]) => checkValue(spec.values, v, `${at}.${k}`))
                : wrong;
        case "object":
            return value && typeof value === "object" && !Array.isArray(value) && !(value instanceof ResourceRef)
                ? checkProps(spec.props, value, `${at}.`, spec.name)
                : wrong;
        case "union":
            return spec.options.some((o) => checkValue(o, value, at).length === 0) ? [] : wrong;
    }
}
