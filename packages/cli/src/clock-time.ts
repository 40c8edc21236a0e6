/** 75 → "1:15", 3725 → "1:02:05": a duration as a clock shows it, whole seconds rounded up. */
export function clockTime(seconds: number): string {
  const total = Math.ceil(Math.max(0, seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A run's duration for a summary: "0.42 s", "6.1 s", then "1:15" and "1:02:05" past a minute. */
export function elapsedTime(seconds: number): string {
  if (seconds < 1) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return clockTime(seconds);
}
