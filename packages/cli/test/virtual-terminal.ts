/** What one stretch of a row showed: the text written since the cursor last went to column 0, and the row then. */
export interface Segment {
  /** The printable text written since the last `\r` or `\n`. */
  written: string;
  /** The row as it looked when the cursor left it (trailing blanks dropped). */
  visible: string;
  /** True when the text ran past the last column and the terminal wrapped it. */
  wrapped: boolean;
}

const ERASE_LINE = '\x1b[2K';
/** Erase in line: to its end (twice: the parameter 0 is the default), or all of it. */
const ERASES = ['\x1b[K', '\x1b[0K', ERASE_LINE];

/**
 * Just enough of a terminal to see what a person would: printable characters, `\r`, `\n` (a line
 * feed, as a tty with `onlcr` sends `\r\n`), erase in line (`ESC [ K`, `ESC [ 0 K`, `ESC [ 2 K`) and
 * auto-wrap at `width`. Any other control character or escape sequence throws: output the test
 * does not understand must not pass unseen.
 */
export class VirtualTerminal {
  private readonly rows: string[][] = [[]];
  private row = 0;
  private col = 0;
  private written = '';
  private wrapped = false;
  /** Every stretch of output that ended with the cursor going back to column 0 or to the next row. */
  readonly segments: Segment[] = [];

  constructor(readonly width: number) {}

  write(raw: string): this {
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === '\r' || c === '\n') {
        this.endSegment();
        if (c === '\r') this.col = 0;
        else this.row++;
        this.rows[this.row] ??= [];
      } else if (c === '\x1b') {
        const sequence = ERASES.find((e) => raw.startsWith(e, i));
        if (!sequence) throw new Error(`unexpected escape sequence ${JSON.stringify(raw.slice(i, i + 8))}`);
        const line = this.line();
        if (sequence === ERASE_LINE) line.length = 0;
        else line.length = Math.min(line.length, this.col);
        i += sequence.length - 1;
      } else if (c < ' ' || c === '\x7f') {
        throw new Error(`unexpected control character ${JSON.stringify(c)}`);
      } else {
        if (this.col >= this.width) {
          this.wrapped = true;
          this.row++;
          this.col = 0;
          this.rows[this.row] ??= [];
        }
        const line = this.line();
        while (line.length < this.col) line.push(' ');
        line[this.col++] = c;
        this.written += c;
      }
    }
    return this;
  }

  /** The rows that show anything, as they show now. */
  screen(): string[] {
    return this.rows.map((r) => r.join('').trimEnd()).filter((r) => r !== '');
  }

  private line(): string[] {
    this.rows[this.row] ??= [];
    return this.rows[this.row] as string[];
  }

  private endSegment(): void {
    if (this.written !== '') this.segments.push({ written: this.written, visible: this.line().join('').trimEnd(), wrapped: this.wrapped });
    this.written = '';
    this.wrapped = false;
  }
}
