import type { AddressLike, InetAddress } from '../net/address.ts';
import type { WaitOptions } from '../net/wait.ts';
import type { CallOptions, IncomingRequest, Reply, Request } from './udp-request-reply.ts';

/**
 * The request-reply protocol as remote invocation uses it: over UDP (`UdpRequestReply`) or over TCP
 * message streams (`StreamRequestReply`). One object can be client and server at once.
 */
export interface RequestReplyTransport extends AsyncDisposable {
  /** Where requests to this endpoint's objects go (it becomes part of their references). */
  readonly address: InetAddress;
  /** Sends a request and waits for the reply. */
  doOperation(to: AddressLike, request: Request, opts?: CallOptions): Promise<Reply>;
  /** Waits for the next request to this endpoint. ERR_CLOSED once closed. */
  getRequest(opts?: WaitOptions): Promise<IncomingRequest>;
  /** Answers a request taken with `getRequest`. */
  sendReply(request: IncomingRequest, reply: Reply): Promise<void>;
  close(): Promise<void>;
}
