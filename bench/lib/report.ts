import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Percentiles } from "./load.js";

/** What a figure means depends on where it was measured: one line per machine fact. */
export function machineFacts(): string[] {
  const cpus = os.cpus();
  return [
    `machine: ${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    `cpus: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown model"}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `node: ${process.version}`,
  ];
}

export const ms = (value: number) => `${value.toFixed(1)} ms`;

export function percentileLine(label: string, p: Percentiles): string {
  return `${label}: p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}  max ${ms(p.max)}  (n=${p.count})`;
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ===`);
}

export function conditions(lines: string[]): void {
  for (const line of lines) console.log(`  condition  ${line}`);
}

export function figure(line: string): void {
  console.log(`  result     ${line}`);
}

export function verdict(name: string, pass: boolean, detail: string): boolean {
  console.log(`  ${pass ? "PASS" : "FAIL"}  ${name}: ${detail}`);
  return pass;
}

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const LOOP_RESOLUTION_MS = 10;

/**
 * Event-loop delay of this process (bot, worker, fake Slack and load generator share it),
 * beyond the sampling interval: how long a ready callback waited for the CPU.
 */
export function loopDelay() {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  histogram.enable();
  return {
    stop(): string {
      histogram.disable();
      const beyond = (ns: number) => ms(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
      return `event-loop delay: p50 ${beyond(histogram.percentile(50))}  p99 ${beyond(histogram.percentile(99))}  max ${beyond(histogram.max)}`;
    },
  };
}

interface CpuSnapshot {
  at: number;
  busy: number;
  total: number;
  process: number;
}

function cpuSnapshot(): CpuSnapshot {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  const usage = process.cpuUsage();
  return { at: Date.now(), busy, total, process: (usage.user + usage.system) / 1000 };
}

/**
 * Samples machine-wide CPU (all cores, so PostgreSQL and Redis too) and this process's CPU
 * twice a second, to say afterwards how busy a time window was.
 */
export function cpuSampler() {
  const samples: CpuSnapshot[] = [cpuSnapshot()];
  const timer = setInterval(() => samples.push(cpuSnapshot()), 500);
  timer.unref();
  return {
    stop(): void {
      clearInterval(timer);
    },
    /** "machine x% busy, this process y% of one core" between two epoch-ms times. */
    between(from: number, to: number): string {
      const inside = samples.filter((s) => s.at >= from && s.at <= to);
      const a = inside[0];
      const b = inside[inside.length - 1];
      if (!a || !b || a === b) return "CPU: window too short to sample";
      const machine = (100 * (b.busy - a.busy)) / (b.total - a.total);
      const proc = (100 * (b.process - a.process)) / (b.at - a.at);
      return `CPU: machine ${machine.toFixed(0)}% busy (all ${os.cpus().length} cores), this Node process ${proc.toFixed(0)}% of one core`;
    },
  };
}
