// What a bench reads of a child process from /proc (Linux): CPU time used so far and resident memory.
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system, clock ticks of CLK_TCK 100) process `pid` has used so far; 0 when it is gone. */
export function processCpuSeconds(pid: number): number {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const f = raw.slice(raw.lastIndexOf(') ') + 2).split(' '); // fields after the name: 11 utime, 12 stime
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Resident memory of process `pid` in MB (/proc/<pid>/status): VmRSS and its anonymous and file-backed parts; undefined when it is gone. */
export function residentMb(pid: number): { rss: number; anon: number; file: number } | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(raw)?.[1] ?? NaN) / 1024;
  const rss = kb('VmRSS');
  return Number.isNaN(rss) ? undefined : { rss, anon: kb('RssAnon'), file: kb('RssFile') };
}
