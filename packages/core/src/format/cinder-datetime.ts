import { InvalidBackupError } from '../errors.js';

/**
 * Python's `str(datetime)` of a tz-aware UTC time, as Cinder writes `created_at` into
 * `_metadata`: `2024-05-01 12:04:00+00:00`, with `.ffffff` only when microseconds are non-zero.
 */
export function pythonDatetimeString(date: Date): string {
  const iso = date.toISOString(); // 2024-05-01T12:04:00.000Z
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : '.' + String(ms * 1000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}+00:00`;
}

/** Cinder's export-record datetime: `2024-05-01T12:04:00Z` (seconds precision). */
export function cinderRecordDatetime(date: Date): string {
  return date.toISOString().slice(0, 19) + 'Z';
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses either form above (and naive times, taken as UTC, as Cinder's DB stores them). */
export function parseCinderDatetime(text: string, what: string): Date {
  const m = DATETIME.exec(text.trim());
  if (!m) throw new InvalidBackupError(`${what}: not a datetime: ${JSON.stringify(text)}`);
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  let zone = m[4] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${m[1]}T${m[2]}${fraction}${zone}`);
  if (Number.isNaN(date.getTime())) throw new InvalidBackupError(`${what}: not a datetime: ${JSON.stringify(text)}`);
  return date;
}
