import { escapeUnprintable, type BackupRecord } from '@volback/core';

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A record as JSON for `--json` output: camelCase fields, ISO dates. */
export function recordJson(r: BackupRecord): Record<string, unknown> {
  return {
    id: r.id,
    volumeId: r.volumeId,
    parentId: r.parentId,
    kind: r.parentId ? 'incremental' : 'full',
    container: r.container,
    prefix: r.serviceMetadata,
    objectCount: r.objectCount,
    sizeGiB: r.size,
    volumeBytes: r.volumeBytes ?? null,
    name: r.displayName,
    description: r.displayDescription,
    createdAt: r.createdAt.toISOString(),
    service: r.service,
  };
}

/** Characters of one message or cell printed: text quoted from a hostile store can be huge. */
const MAX_PRINTED_CHARS = 4000;

/**
 * Text fit for a terminal: control characters (the ESC of escape sequences), bidirectional
 * overrides and separators escaped, newlines kept only when `multiline`, at most
 * {@link MAX_PRINTED_CHARS} characters.
 */
export function printable(text: string, multiline = false): string {
  const shown =
    text.length > MAX_PRINTED_CHARS ? `${text.slice(0, MAX_PRINTED_CHARS)}… (${text.length - MAX_PRINTED_CHARS} more characters)` : text;
  return escapeUnprintable(shown, multiline);
}

/** Left-aligned columns; cells are made {@link printable}. */
export function table(cells: string[][]): string {
  const rows = cells.map((row) => row.map((cell) => printable(cell)));
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  // An empty last cell would leave the padding of the one before it at the end of the line.
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/**
 * A `--json` result: one JSON document on one line, so that stdout and the JSON lines of stderr
 * read the same way (one object a line).
 */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
