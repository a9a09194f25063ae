// Loaded into the ladder's gateway by bench/proxy-profile.ts (`node --import`): on SIGUSR2 it starts a window, on the
// next SIGUSR2 it ends it and writes, under PROXY_PROFILE_OUT, `<n>.stats.json` (the window's wall and CPU time, the
// GC pauses and their count) and, with PROXY_PROFILE_KIND=heap or cpu, `<n>.heapprofile` (V8's sampling heap
// profiler, objects collected by a GC included: what was allocated, not what is still live, which is what
// `--heap-prof` reports) or `<n>.cpuprofile`. Both open in Chrome DevTools. Not part of the gateway.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';

const kind = process.env.PROXY_PROFILE_KIND ?? 'none';
const out = process.env.PROXY_PROFILE_OUT ?? '.';
const session = new Session();
session.connect();
let window: { n: number; t0: bigint; cpu: NodeJS.CpuUsage; gcMs: number; gcs: number } | undefined;
let count = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (window) {
      window.gcMs += e.duration;
      window.gcs++;
    }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  if (!window) {
    window = { n: ++count, t0: process.hrtime.bigint(), cpu: process.cpuUsage(), gcMs: 0, gcs: 0 };
    if (kind === 'heap')
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    if (kind === 'cpu') {
      session.post('Profiler.enable');
      session.post('Profiler.start');
    }
    return;
  }
  const w = window;
  window = undefined;
  const cpu = process.cpuUsage(w.cpu);
  const stats = { wallMs: Number(process.hrtime.bigint() - w.t0) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, gcMs: w.gcMs, gcs: w.gcs };
  const write = (profile?: object) => {
    if (profile) writeFileSync(`${out}/${w.n}.${kind === 'heap' ? 'heapprofile' : 'cpuprofile'}`, JSON.stringify(profile));
    writeFileSync(`${out}/${w.n}.stats.json`, JSON.stringify(stats));
  };
  if (kind === 'heap') session.post('HeapProfiler.stopSampling', (_e, r) => write(r?.profile));
  else if (kind === 'cpu') session.post('Profiler.stop', (_e, r) => write(r?.profile));
  else write();
});
