/**
 * The least of a Pulumi engine a program needs to start under the SDK's own launcher
 * (`@pulumi/pulumi/cmd/run`, what the nodejs language host execs): a ResourceMonitor gRPC
 * server on 127.0.0.1 that answers "no" to every feature probe and registers resources by
 * handing back a URN. Service and messages are the SDK's generated ones
 * (`@pulumi/pulumi/proto/resource_grpc_pb.js`, from pulumi/pulumi proto/pulumi/resource.proto).
 */
import { createRequire } from "node:module";

import type * as grpcTypes from "@grpc/grpc-js";
import type * as resourceGrpcTypes from "@pulumi/pulumi/proto/resource_grpc_pb";
import type * as resourcePbTypes from "@pulumi/pulumi/proto/resource_pb";
import type * as emptyPbTypes from "google-protobuf/google/protobuf/empty_pb";

// The SDK's own copy of grpc-js and its generated stubs, so messages and service agree.
const sdkRequire = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = sdkRequire("@grpc/grpc-js") as typeof grpcTypes;
const resourceGrpc = sdkRequire("./proto/resource_grpc_pb.js") as typeof resourceGrpcTypes;
const resourcePb = sdkRequire("./proto/resource_pb.js") as typeof resourcePbTypes;
const emptyPb = sdkRequire("google-protobuf/google/protobuf/empty_pb.js") as typeof emptyPbTypes;
type Unary<Req, Res> = (call: grpcTypes.ServerUnaryCall<Req, Res>, callback: grpcTypes.sendUnaryData<Res>) => void;

export interface ResourceMonitor {
    readonly address: string;
    /** Type and name of every resource the program registered. */
    readonly registered: string[];
    close(): Promise<void>;
}

export async function startResourceMonitor(project: string, stack: string): Promise<ResourceMonitor> {
    const registered: string[] = [];
    const server = new grpc.Server();
    const supportsFeature: Unary<resourcePbTypes.SupportsFeatureRequest, resourcePbTypes.SupportsFeatureResponse> = (_call, callback) => {
        const response = new resourcePb.SupportsFeatureResponse();
        response.setHassupport(false);
        callback(null, response);
    };
    const registerResource: Unary<resourcePbTypes.RegisterResourceRequest, resourcePbTypes.RegisterResourceResponse> = (call, callback) => {
        const type = call.request.getType();
        const name = call.request.getName();
        registered.push(`${type} ${name}`);
        const response = new resourcePb.RegisterResourceResponse();
        response.setUrn(`urn:pulumi:${stack}::${project}::${type}::${name}`);
        callback(null, response);
    };
    const registerResourceOutputs: Unary<resourcePbTypes.RegisterResourceOutputsRequest, emptyPbTypes.Empty> = (_call, callback) => {
        callback(null, new emptyPb.Empty());
    };
    // Every other RPC answers UNIMPLEMENTED, which grpc-js does for methods left out.
    server.addService(resourceGrpc.ResourceMonitorService, { supportsFeature, registerResource, registerResourceOutputs });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    return {
        address: `127.0.0.1:${port}`,
        registered,
        close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    };
}
