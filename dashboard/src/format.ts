/** Small formatting helpers shared by the views. */

export function time(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleTimeString() : '—';
}

export function dateTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** 75 → "1 min 15 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Usage for a person: like duration, but a little is "< 1 s", not "0 s". */
export function used(seconds: number): string {
  return seconds > 0 && seconds < 0.5 ? '< 1 s' : duration(seconds);
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** A stable colour per instance, so one tenant's work looks the same everywhere. */
export function instanceColour(instance: string): string {
  let h = 0;
  for (let i = 0; i < instance.length; i++) h = (h * 31 + instance.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}

/** The API's error message, for a person. */
export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
