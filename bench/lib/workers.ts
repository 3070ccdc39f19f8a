import type { ChildProcess } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Harness } from "../../test/helpers/harness.js";
import { spawnWorkerProcess, writePolicyFile } from "../../test/helpers/worker-process.js";
import { countAsBench } from "./machine-load.js";

export interface BotProcess {
  child: ChildProcess;
  pid: number;
  /** The port it serves on (a `web` process's Slack receiver). */
  port: number;
}

/**
 * `node --import tsx src/main.ts` as SWITCHBOARD_ROLE=worker (or `web`: the Slack receiver
 * alone, signing with the harness's secret); resolves once it has started.
 */
export async function startBotProcess(
  h: Harness,
  index: number,
  policyName: string,
  role: "worker" | "web" = "worker",
): Promise<BotProcess> {
  const child = spawnWorkerProcess(h, {
    policyFile: writePolicyFile(h, policyName),
    env: {
      LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? "info",
      SWITCHBOARD_ROLE: role,
      ...(role === "web" ? { SLACK_SIGNING_SECRET: h.config.slack.signingSecret ?? "" } : {}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const started = buffered.split("\n").find((line) => line.includes("switchboard started"));
      if (started) {
        child.stdout?.off("data", onData);
        // BENCH_WORKER_LOG=<dir> keeps each process's log there; otherwise it is read and dropped.
        const dir = process.env.BENCH_WORKER_LOG;
        if (dir) child.stdout?.pipe(createWriteStream(join(dir, `${role}-${index}.log`)));
        else child.stdout?.resume();
        resolve(Number(/"port":(\d+)/.exec(started)?.[1] ?? 0));
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${role} ${index} exited with ${code} before starting`)));
  });
  countAsBench(child.pid ?? 0);
  return { child, pid: child.pid ?? 0, port };
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function processRss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) * 1024 : 0;
}
