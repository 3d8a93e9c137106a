/**
 * The file `pulumi import --file <file>` reads (pulumi/pulumi pkg/cmd/pulumi/operations/import.go
 * `importFile`): what `npm run adopt` writes and the engine double's import reads.
 */
/** One entry of a `pulumi import --file` document (the CLI's `importSpec`). */
export interface ImportSpec {
    readonly type: string;
    /** The logical name, as the program names the resource; unique in the file, so children name it as `parent`. */
    readonly name: string;
    /** The import id the type expects; absent for components. */
    readonly id?: string;
    /** The `name` of the parent component in the same file. */
    readonly parent?: string;
    readonly component?: true;
    /** The provider plugin version to import with; without it the newest installed plugin runs. */
    readonly version?: string;
}

export interface ImportFile {
    readonly resources: readonly ImportSpec[];
}
