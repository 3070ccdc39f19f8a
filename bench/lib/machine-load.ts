import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/**
 * Who had the CPU while a benchmark measured: the bench's own processes (this one, the bot
 * processes it started, and the PostgreSQL backends serving its databases), the shared
 * services (Redis, PostgreSQL's own background processes), the BENCH_CONTENTION burners, and
 * the rest of the machine. From /proc/stat (the machine) and /proc/<pid>/stat (each process),
 * sampled every SAMPLE_MS. A figure measured while others took more than BUSY_LIMIT of the
 * machine is labelled as measured on a busy machine.
 */

const SAMPLE_MS = 500;
/** More than this share of the machine taken by others makes a figure a busy-machine figure. */
export const BUSY_LIMIT = 0.2;
/** PostgreSQL names each backend's database in its process title; the bench's start with this. */
const BENCH_DATABASE = process.env.TEST_DATABASE_URL
  ? new URL(process.env.TEST_DATABASE_URL).pathname.slice(1)
  : "switchboard_bench_test";

type Kind = "bench" | "services" | "contention" | "other";

interface Sample {
  at: number;
  /** Machine jiffies: all, and not idle (idle and iowait excluded). */
  total: number;
  busy: number;
  /** This process's CPU in ms (process.cpuUsage). */
  self: number;
  /** Jiffies used so far by each process we attribute, with its kind. */
  procs: Map<number, { ticks: number; kind: Exclude<Kind, "other">; ppid: number }>;
}

const benchPids = new Set<number>();
const burnerPids = new Set<number>();
const samples: Sample[] = [];
let timer: NodeJS.Timeout | undefined;

/** A process the bench started (a bot process): its CPU counts as the bench's. */
export function countAsBench(pid: number): void {
  benchPids.add(pid);
}

function machineJiffies(): { total: number; busy: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal (guest is already in user)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { total, busy: total - (f[3] ?? 0) - (f[4] ?? 0) };
}

/** A process's own CPU (utime + stime) and that of its children it has reaped (cutime + cstime). */
function procTicks(pid: number): { own: number; reaped: number; ppid: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return {
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
      ppid: Number(fields[1]),
    };
  } catch {
    return null; // ended between the listing and the read
  }
}

/**
 * Children that live less than a sample (PostgreSQL's parallel query workers and short
 * connections, a bot process stopped between two samples) are never seen running; their CPU
 * shows up as their parent's reaped children's time. PostgreSQL's postmaster reaps its
 * backends, and this process its bot processes: what each reaped is counted (under a negative
 * key) with the parent's kind, not left to "others". A child seen running is counted while it
 * runs, so what it had used by its last sample is taken off its parent's reaped time.
 */
const REAPED = (pid: number) => -pid;

/** PostgreSQL and Redis processes: a backend serving a bench database is the bench's. */
function serviceKind(pid: number): "bench" | "services" | null {
  let comm: string;
  try {
    comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
  if (comm.startsWith("redis-server")) return "services";
  if (comm !== "postgres") return null;
  let title: string;
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null; // ended between the two reads
  }
  return title.includes(BENCH_DATABASE) ? "bench" : title.includes("(") ? null : "services";
}

function sample(): Sample {
  const procs: Sample["procs"] = new Map();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const kind = burnerPids.has(pid) ? "contention" : benchPids.has(pid) ? "bench" : serviceKind(pid);
    if (!kind) continue;
    const ticks = procTicks(pid);
    if (ticks === null) continue;
    procs.set(pid, { ticks: ticks.own, kind, ppid: ticks.ppid });
    procs.set(REAPED(pid), { ticks: ticks.reaped, kind, ppid: 0 });
  }
  const self = procTicks(process.pid);
  if (self) procs.set(REAPED(process.pid), { ticks: self.reaped, kind: "bench", ppid: 0 });
  const usage = process.cpuUsage();
  return { at: Date.now(), ...machineJiffies(), self: (usage.user + usage.system) / 1000, procs };
}

/** Starts sampling (once per run of the benchmarks). */
export function startMachineLoad(): void {
  if (timer) return;
  samples.push(sample());
  timer = setInterval(() => {
    try {
      samples.push(sample());
    } catch {
      // /proc changed under the read: the next sample covers it
    }
  }, SAMPLE_MS);
  timer.unref();
}

export function stopMachineLoad(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
}

export interface WindowLoad {
  seconds: number;
  /** Shares of the whole machine (all cores), 0..1. */
  bench: number;
  services: number;
  contention: number;
  other: number;
  idle: number;
  /** The bench's own processes, in cores (1 = one core fully). */
  benchCores: number;
}

/** Who had the CPU between two epoch-ms times (null if the window is shorter than two samples). */
export function loadBetween(from: number, to: number): WindowLoad | null {
  samples.push(sample()); // the latest, so a window ending now is covered
  const inside = samples.filter((s) => s.at >= from - SAMPLE_MS / 2 && s.at <= to + SAMPLE_MS / 2);
  const a = inside[0];
  const b = inside[inside.length - 1];
  if (!a || !b || a === b || b.total <= a.total) return null;
  const total = b.total - a.total;
  const hz = total / os.cpus().length / ((b.at - a.at) / 1000); // jiffies per second per core
  const used: Record<Exclude<Kind, "other">, number> = { bench: 0, services: 0, contention: 0 };
  // Sample by sample, so a process that ends inside the window (a bot process stopped, a
  // PostgreSQL backend whose connection closed) keeps what it used until its last sample
  // instead of leaving it to "others". A process that started between two samples counts
  // from zero.
  for (let i = 1; i < inside.length; i++) {
    const prev = (inside[i - 1] as Sample).procs;
    const current = (inside[i] as Sample).procs;
    // What the children that ended in this interval had used when last seen, by parent.
    const counted = new Map<number, number>();
    for (const [pid, was] of prev) {
      if (pid > 0 && !current.has(pid)) counted.set(was.ppid, (counted.get(was.ppid) ?? 0) + was.ticks);
    }
    for (const [pid, now] of current) {
      const seen = prev.get(pid);
      // Reaped time is cumulative since the parent started: only its growth counts.
      if (!seen && pid < 0) continue;
      const grown = now.ticks - (seen?.ticks ?? 0) - (pid < 0 ? (counted.get(-pid) ?? 0) : 0);
      if (grown > 0) used[now.kind] += grown;
    }
  }
  used.bench += ((b.self - a.self) / 1000) * hz;
  const busy = b.busy - a.busy;
  const share = (j: number) => Math.max(0, Math.min(1, j / total));
  return {
    seconds: (b.at - a.at) / 1000,
    bench: share(used.bench),
    services: share(used.services),
    contention: share(used.contention),
    // What ran and was none of the above: other users' work (and processes that ended inside it).
    other: share(busy - used.bench - used.services - used.contention),
    idle: share(total - busy),
    benchCores: share(used.bench) * os.cpus().length,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The lines printed beside a benchmark's figures; the last is the busy-machine warning, if due. */
export function describeLoad(label: string, w: WindowLoad | null): string[] {
  if (!w) return [`CPU during ${label}: window too short to sample`];
  const others = w.other + w.contention;
  const lines = [
    `CPU during ${label} (${w.seconds.toFixed(0)} s, shares of all ${os.cpus().length} cores): ` +
      `bench ${pct(w.bench)} (${w.benchCores.toFixed(2)} cores: this process, its bot processes, PostgreSQL backends of its databases), ` +
      `Redis + PostgreSQL background ${pct(w.services)}, ` +
      `others ${pct(others)}${w.contention > 0 ? ` (of which BENCH_CONTENTION burners ${pct(w.contention)})` : ""}, idle ${pct(w.idle)}`,
  ];
  if (others > BUSY_LIMIT) {
    lines.push(
      `WARNING: others took ${pct(others)} of the machine (> ${pct(BUSY_LIMIT)}) during ${label}: figures measured on a busy machine`,
    );
  }
  return lines;
}

/**
 * BENCH_CONTENTION=n: n processes that burn CPU beside the measured system for the whole run
 * (each a tight loop on one core, at normal priority), as other work on a shared host would.
 */
export function startContention(n: number): () => void {
  const burners: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    if (child.pid) burnerPids.add(child.pid);
    burners.push(child);
  }
  return () => {
    for (const b of burners) b.kill("SIGKILL");
  };
}

/** How many burners this run has (0 without BENCH_CONTENTION). */
export function contentionLevel(): number {
  const n = Number(process.env.BENCH_CONTENTION ?? 0);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

const windows: Array<{ label: string; from: number; to: number }> = [];

/** A benchmark's measured window (epoch ms), reported with who had the CPU during it. */
export function measuredWindow(label: string, from: number, to: number): void {
  windows.push({ label, from, to });
}

/** The windows marked since the last call (run.ts reports them after each benchmark). */
export function takeWindows(): Array<{ label: string; from: number; to: number }> {
  return windows.splice(0);
}
