/**
 * Progress of a long run, on one line of stderr rewritten in place with the time elapsed; silent
 * when stderr is not a terminal (a pipe, a file, CI), so logs and `--json` output stay clean.
 */
const TICK_MS = 250;

export interface ProgressStream {
    readonly isTTY?: boolean;
    readonly columns?: number;
    write(text: string): boolean;
}

export class Progress {
    private readonly started = Date.now();
    private message = "";
    private timer: NodeJS.Timeout | undefined;

    constructor(private readonly stream: ProgressStream) {}

    /** Shows what is running now. */
    update(message: string): void {
        if (!this.stream.isTTY) return;
        this.message = message;
        this.draw();
        this.timer ??= setInterval(() => this.draw(), TICK_MS).unref();
    }

    /** Clears the line: what follows prints where the progress was. */
    done(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
        if (this.stream.isTTY && this.message) this.stream.write("\r\x1b[2K");
        this.message = "";
    }

    private draw(): void {
        const width = Math.min(this.stream.columns || 80, 120) - 1;
        const line = `${((Date.now() - this.started) / 1000).toFixed(1)} s  ${this.message}`;
        this.stream.write(`\r\x1b[2K${line.length > width ? line.slice(0, width - 1) + "…" : line}`);
    }
}

/**
 * Wraps `text` at word boundaries so no line is longer than `width` columns, counting the
 * indents: `first` before the first line, `rest` before the others.
 */
export function wrap(text: string, width: number, first = "", rest = first): string[] {
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const word of text.split(/\s+/).filter(Boolean)) {
        const candidate = empty ? line + word : `${line} ${word}`;
        if (!empty && candidate.length > width) {
            lines.push(line);
            line = rest + word;
        } else {
            line = candidate;
        }
        empty = false;
    }
    lines.push(line);
    return lines;
}
