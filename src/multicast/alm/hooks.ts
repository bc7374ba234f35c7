// An overlay node has one set of application hooks (`node.app`). Multicast takes the payloads that carry
// its tag and hands every other payload to whatever application had the hooks before, so ALM and, say, a
// key-routed service share one node.
import type { OverlayApp, OverlayNode, RouteContext } from '../../overlay/node.ts';
import { isAlmPayload } from './messages.ts';

/** What ALM handles: routed payloads delivered here (Registers), and direct sends. */
export interface AlmHooks {
  deliver(ctx: RouteContext): void;
  receive(payload: Uint8Array, from: { readonly id: Uint8Array; readonly address: string }): void;
}

/** Installs `hooks` on `node` for tagged payloads, keeping the previous hooks for the rest; returns the uninstall function. */
export function attachHooks(node: OverlayNode, hooks: AlmHooks): () => void {
  const previous: OverlayApp = node.app;
  const mux: OverlayApp = {
    forward: (ctx, next) => (isAlmPayload(ctx.payload) ? undefined : previous.forward?.(ctx, next)),
    deliver: (ctx) => (isAlmPayload(ctx.payload) ? hooks.deliver(ctx) : previous.deliver?.(ctx)),
    receive: (payload, from) => (isAlmPayload(payload) ? hooks.receive(payload, from) : previous.receive?.(payload, from)),
  };
  node.app = mux;
  return () => {
    // Only undo our own installation: if another application wrapped us since, leave its hooks alone.
    if (node.app === mux) node.app = previous;
  };
}
