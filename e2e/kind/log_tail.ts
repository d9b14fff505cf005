/**
 * The last lines of a stream that arrives in chunks (a container's log as
 * testcontainers hands it over), bounded in lines and in characters per line
 * so that a chatty or hostile container cannot grow the suite's memory.
 *
 * @module
 */

/** Limits of a {@linkcode LogTail}. */
export interface LogTailLimits {
  /** Lines kept (the oldest go first). @default {2_000} */
  maxLines?: number;
  /** Characters kept of one line (the rest is cut and marked). @default {8_192} */
  maxLineLength?: number;
}

/** The last lines of a chunked stream (see the module doc). */
export class LogTail {
  readonly #maxLines: number;
  readonly #maxLineLength: number;
  #lines: string[] = [];
  /** The unfinished last line (at most the line limit) and how many characters it lost. */
  #partial = "";
  #partialCut = 0;
  #dropped = 0;

  /** A tail with `limits`. */
  constructor(limits: LogTailLimits = {}) {
    this.#maxLines = limits.maxLines ?? 2_000;
    this.#maxLineLength = limits.maxLineLength ?? 8_192;
  }

  /** Adds a chunk; a line may span chunks. */
  push(chunk: string): void {
    const parts = chunk.split("\n");
    for (let index = 0; index < parts.length; index++) {
      this.#append(parts[index]);
      if (index < parts.length - 1) this.#endLine();
    }
  }

  /** The last `lastLines` kept lines, the unfinished one included, each ending with a newline. */
  text(lastLines = this.#maxLines): string {
    const lines = this.#partial === "" && this.#partialCut === 0
      ? this.#lines
      : [...this.#lines, this.#marked(this.#partial, this.#partialCut)];
    const shown = lines.slice(-lastLines);
    const omitted = this.#dropped + lines.length - shown.length;
    const note = omitted > 0 ? [`(${omitted} earlier lines not kept)`] : [];
    return [...note, ...shown].map((line) => `${line}\n`).join("");
  }

  #append(text: string): void {
    const room = this.#maxLineLength - this.#partial.length;
    this.#partial += text.slice(0, Math.max(room, 0));
    this.#partialCut += Math.max(text.length - Math.max(room, 0), 0);
  }

  #endLine(): void {
    const line = this.#partialCut === 0 ? this.#partial.replace(/\r$/, "") : this.#partial;
    this.#lines.push(this.#marked(line, this.#partialCut));
    this.#partial = "";
    this.#partialCut = 0;
    if (this.#lines.length > this.#maxLines) {
      this.#lines.shift();
      this.#dropped += 1;
    }
  }

  #marked(line: string, cut: number): string {
    return cut === 0 ? line : `${line}… (${cut} more characters)`;
  }
}
