/**
 * One live status line on a terminal (rewritten in place), or a line every few
 * seconds when the output is a file or a CI log.
 */
export class ProgressLine {
  #lastPrinted = 0;
  #pending = '';

  constructor(private readonly out: NodeJS.WriteStream | null) {}

  /** A line that stays (a phase starts or ends). */
  say(line: string): void {
    if (!this.out) return;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K`);
    this.out.write(`[load] ${line}\n`);
  }

  /** The live status: replaces the previous one. */
  update(line: string): void {
    if (!this.out) return;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K[load] ${line.slice(0, (this.out.columns || 120) - 8)}`);
      return;
    }
    this.#pending = line;
    if (Date.now() - this.#lastPrinted < 5000) return;
    this.#lastPrinted = Date.now();
    this.out.write(`[load] ${this.#pending}\n`);
  }
}
