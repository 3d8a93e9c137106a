/**
 * The engine's side of a program run: a ResourceMonitor and an Engine gRPC server, built from the
 * SDK's own generated stubs (`@pulumi/pulumi/proto`), that the real `@pulumi/pulumi/cmd/run`
 * connects to with `--monitor` and `--engine`, exactly as it connects to the Pulumi CLI's.
 *
 * What the real engine answers is modelled from pulumi/pulumi pkg/resource/deploy/source_eval.go
 * (resmon: SupportsFeature and GetDeploymentInfo at lines 933-1066, RegisterResource,
 * RegisterResourceOutputs, Invoke, SignalAndWaitForShutdown at 1794). The monitor only
 * transports: what a registration means (URN, diff, outputs) is decided by the `MonitorHandlers`
 * it is given.
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { Props, decode, encode } from "./wire";

/** A RegisterResource request, decoded. */
export interface Registration {
    readonly type: string;
    readonly name: string;
    readonly parent: string;
    readonly custom: boolean;
    readonly inputs: Props;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    /** Undefined when the program did not set it (the engine then keeps false). */
    readonly protect: boolean | undefined;
    /**
     * The `deleteBeforeReplace` option, undefined when the program did not set it (the provider's
     * answer then decides). The engine reads it when `deleteBeforeReplaceDefined` or the value is
     * true (pulumi/pulumi 1b5949891b pkg/resource/deploy/source_eval.go 2351-2355); the Node SDK
     * sets both (sdk/nodejs/runtime/resource.ts 612-613).
     */
    readonly deleteBeforeReplace: boolean | undefined;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    readonly retainOnDelete: boolean | undefined;
    readonly additionalSecretOutputs: string[];
    readonly provider: string;
    readonly version: string;
    readonly aliasCount: number;
}

export interface RegisterResult {
    readonly urn: string;
    readonly id?: string;
    readonly outputs: Props;
}

/**
 * The resource monitor's answer once the deployment is cancelled: codes.Unavailable (pulumi/pulumi
 * 1b5949891b pkg/resource/deploy/source_eval.go 3036-3045). The Node SDK takes it as the engine
 * shutting down: it stops its RPCs and reports nothing itself (sdk/nodejs/runtime/resource.ts,
 * registerResource's callback), so the step's own error, reported on its URN, is what the CLI shows.
 */
export class MonitorShutDown extends Error {
    override readonly name = "MonitorShutDown";
}

export type Severity = "debug" | "info" | "warning" | "error";

export interface MonitorHandlers {
    register(req: Registration): Promise<RegisterResult>;
    registerOutputs(urn: string, outputs: Props): void;
    invoke(token: string, args: Props): Props;
    log(severity: Severity, message: string, urn: string): void;
}

export interface DeploymentInfo {
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly config: Record<string, string>;
    readonly configSecretKeys: string[];
    readonly dryRun: boolean;
    readonly parallel: number;
}

// The features the real engine reports (source_eval.go supportsFeatureID, lines 945-984, and
// supportedMonitorFeatures, 986-1036).
const LEGACY_FEATURES = new Set([
    "secrets", "resourceReferences", "outputValues", "aliasSpecs", "replacementTrigger", "deletedWith", "replaceWith",
    "transforms", "invokeTransforms", "parameterization", "resourceHooks", "errorHooks", "sendsOptionsToHooks",
]);
const MONITOR_FEATURES = [
    "SECRETS", "RESOURCE_REFERENCES", "OUTPUT_VALUES", "ALIAS_SPECS", "REPLACEMENT_TRIGGER", "DELETED_WITH", "REPLACE_WITH",
    "TRANSFORMS", "INVOKE_TRANSFORMS", "PARAMETERIZATION", "RESOURCE_HOOKS", "ERROR_HOOKS", "SENDS_OPTIONS_TO_HOOKS",
    "BYTE_STRING", "INVOKE_DEPENDS_ON", "INVOKE_PARENT",
];
const SEVERITY: Severity[] = ["debug", "info", "warning", "error"];

export function structOf(props: Props): structproto.Struct {
    return structproto.Struct.fromJavaScript(encode(props) as Record<string, structproto.JavaScriptValue>);
}
function propsOf(struct: structproto.Struct | undefined): Props {
    return struct ? (decode(struct.toJavaScript()) as Props) : {};
}

/** A method the double does not model: the program fails loudly, naming it. */
function unimplemented<Req, Res>(method: string): grpc.handleUnaryCall<Req, Res> {
    return (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: `engine double: ${method} is not modelled (local/engine/monitor.ts)` }, null);
}

function handle<Req, Res>(fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
        Promise.resolve()
            .then(() => fn(call.request))
            .then(
                (res) => callback(null, res),
                (err: unknown) =>
                    callback({ code: err instanceof MonitorShutDown ? grpc.status.UNAVAILABLE : grpc.status.UNKNOWN, details: err instanceof Error ? err.message : String(err) }, null),
            );
    };
}

export function decodeRegistration(req: resproto.RegisterResourceRequest): Registration {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        propertyDependencies[key] = deps.getUrnsList();
    });
    return {
        type: req.getType(),
        name: req.getName(),
        parent: req.getParent(),
        custom: req.getCustom(),
        inputs: propsOf(req.getObject()),
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        protect: req.hasProtect() ? req.getProtect() : undefined,
        deleteBeforeReplace: req.getDeletebeforereplacedefined() || req.getDeletebeforereplace() ? req.getDeletebeforereplace() : undefined,
        ignoreChanges: req.getIgnorechangesList(),
        replaceOnChanges: req.getReplaceonchangesList(),
        retainOnDelete: req.hasRetainondelete() ? req.getRetainondelete() : undefined,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        provider: req.getProvider(),
        version: req.getVersion(),
        aliasCount: req.getAliasesList().length,
    };
}

/** A running engine endpoint: the address for `--monitor` and `--engine`, and a way to stop it. */
export interface EngineEndpoint {
    readonly address: string;
    close(): Promise<void>;
}

export async function serveEngine(info: DeploymentInfo, handlers: MonitorHandlers): Promise<EngineEndpoint> {
    const server = new grpc.Server();
    let root = "";
    const monitor: resrpc.IResourceMonitorServer = {
        supportsFeature: handle((req: resproto.SupportsFeatureRequest) => {
            const res = new resproto.SupportsFeatureResponse();
            res.setHassupport(LEGACY_FEATURES.has(req.getId()));
            return res;
        }),
        getDeploymentInfo: handle(() => {
            const res = new resproto.DeploymentInfo();
            res.setProject(info.project);
            res.setStack(info.stack);
            res.setOrganization(info.organization);
            const config = res.getConfigMap();
            for (const [k, v] of Object.entries(info.config)) config.set(k, v);
            res.setConfigsecretkeysList(info.configSecretKeys);
            res.setDryrun(info.dryRun);
            res.setParallel(info.parallel);
            res.setSupportedfeaturesList(MONITOR_FEATURES.map((f) => resproto.ResourceMonitorFeature[`RESOURCE_MONITOR_FEATURE_${f}` as keyof typeof resproto.ResourceMonitorFeature]));
            return res;
        }),
        registerResource: handle(async (req: resproto.RegisterResourceRequest) => {
            const result = await handlers.register(decodeRegistration(req));
            const res = new resproto.RegisterResourceResponse();
            res.setUrn(result.urn);
            if (result.id !== undefined) res.setId(result.id);
            res.setObject(structOf(result.outputs));
            return res;
        }),
        registerResourceOutputs: handle((req: resproto.RegisterResourceOutputsRequest) => {
            handlers.registerOutputs(req.getUrn(), propsOf(req.getOutputs()));
            return new emptyproto.Empty();
        }),
        invoke: handle((req: resproto.ResourceInvokeRequest) => {
            const res = new resproto.ResourceInvokeResponse();
            res.setReturn(structOf(handlers.invoke(req.getTok(), propsOf(req.getArgs()))));
            return res;
        }),
        // The engine acknowledges at once when no callbacks are pending (source_eval.go:1794).
        signalAndWaitForShutdown: handle(() => new emptyproto.Empty()),
        call: unimplemented("ResourceMonitor.Call"),
        readResource: unimplemented("ResourceMonitor.ReadResource"),
        existsResource: unimplemented("ResourceMonitor.ExistsResource"),
        registerStackTransform: unimplemented("ResourceMonitor.RegisterStackTransform"),
        registerStackInvokeTransform: unimplemented("ResourceMonitor.RegisterStackInvokeTransform"),
        registerResourceHook: unimplemented("ResourceMonitor.RegisterResourceHook"),
        registerErrorHook: unimplemented("ResourceMonitor.RegisterErrorHook"),
        registerPackage: unimplemented("ResourceMonitor.RegisterPackage"),
    };
    const engine: engrpc.IEngineServer = {
        log: handle((req: engproto.LogRequest) => {
            handlers.log(SEVERITY[req.getSeverity()] ?? "info", req.getMessage(), req.getUrn());
            return new emptyproto.Empty();
        }),
        getRootResource: handle(() => {
            const res = new engproto.GetRootResourceResponse();
            res.setUrn(root);
            return res;
        }),
        setRootResource: handle((req: engproto.SetRootResourceRequest) => {
            root = req.getUrn();
            return new engproto.SetRootResourceResponse();
        }),
        startDebugging: unimplemented("Engine.StartDebugging"),
        requirePulumiVersion: handle(() => new engproto.RequirePulumiVersionResponse()),
    };
    server.addService(resrpc.ResourceMonitorService, monitor);
    server.addService(engrpc.EngineService, engine);
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
        address: `127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
