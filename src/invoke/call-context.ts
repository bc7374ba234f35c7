import { AsyncLocalStorage } from 'node:async_hooks';
import type { InetAddress } from '../net/address.ts';
import type { RemoteRef } from './reference.ts';

/** What an executing remote method may ask about the call it serves. */
export interface CallContext {
  /** The caller's address, as the transport saw it. */
  readonly from: InetAddress;
  /** The reference the caller invoked. */
  readonly target: RemoteRef;
}

export const callContext = new AsyncLocalStorage<CallContext>();

/** The call being served, inside a remote method's implementation (undefined elsewhere). */
export function currentCall(): CallContext | undefined {
  return callContext.getStore();
}
