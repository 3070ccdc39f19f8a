import type { RunningDemo } from "../../../src/demo/demo.js";

/** The Sandbox API as the page uses it (src/demo/README.md), for the demo's tests. */

export interface StateMessage {
  ts: string;
  user: string;
  text: string;
  blocks?: Array<Record<string, unknown>>;
  thread_ts?: string;
  reply_count: number;
  edited: boolean;
  pinned: boolean;
}

export interface SandboxState {
  version: number;
  me: string;
  team: { name: string };
  bot: { id: string; name: string };
  people: Array<{ id: string; name: string; title: string }>;
  users: Record<string, { name: string }>;
  channels: Array<{
    id: string;
    name: string;
    kind: "public" | "private" | "im";
    topic: string;
    purpose: string;
    member: boolean;
    members: string[];
  }>;
  messages: Record<string, StateMessage[]>;
  ephemerals: Array<{ id: string; channel: string; text: string; blocks?: unknown[]; at: number }>;
  modal: null | { view_id: string; view: Record<string, unknown> & { blocks: unknown[] }; depth: number };
  modalErrors: Record<string, string>;
  home: null | Record<string, unknown>;
  timezone: string;
}

export function sandbox(demo: RunningDemo) {
  const url = (path: string) => new URL(path, demo.url).toString();
  return {
    async state(as: string): Promise<SandboxState> {
      const res = await fetch(url(`/api/state?as=${as}`));
      if (res.status !== 200) throw new Error(`GET /api/state answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as SandboxState;
    },
    async post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(url(path), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    url,
  };
}

/** The first element with `actionId` in a message's blocks, with its block's id. */
export function findElement(
  blocks: unknown[] | undefined,
  actionId: string,
): { block_id: string; element: Record<string, unknown> } | undefined {
  for (const block of (blocks ?? []) as Array<Record<string, unknown>>) {
    const elements = [
      ...((block.elements as Array<Record<string, unknown>> | undefined) ?? []),
      ...(block.accessory ? [block.accessory as Record<string, unknown>] : []),
    ];
    const element = elements.find((e) => e.action_id === actionId);
    if (element) return { block_id: String(block.block_id), element };
  }
  return undefined;
}
