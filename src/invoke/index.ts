// Public API of the invoke layer: remote object references, the request-reply protocol, remote invocation.
export { formatRef, parseRef, refAddress, remoteRefSchema, sameRef, type RemoteRef } from './reference.ts';
export { callSemanticsSchema, messageSchema, replyStatusSchema, type CallSemantics, type ReplyStatus } from './messages.ts';
export {
  REQUEST_REPLY_DEFAULTS,
  UdpRequestReply,
  type CallOptions,
  type IncomingRequest,
  type Reply,
  type Request,
  type RequestReplyOptions,
  type RequestReplyStats,
} from './udp-request-reply.ts';
export type { RequestReplyTransport } from './transport.ts';
export { defineInterface, lookupInterface, proxyRef, raise, Raised, refTo, type Implementation, type MethodSpec, type RefSchema, type RemoteInterface, type RemoteProxy } from './interface.ts';
export { ObjectEndpoint, type InvokeOptions } from './objects.ts';
export { StreamRequestReply, STREAM_REQUEST_REPLY_DEFAULTS, type StreamRequestReplyOptions } from './stream-request-reply.ts';
export { AlreadyBound, NotBound, NotPermitted, Registry, REGISTRY_DEFAULTS, RegistryFull, registryAt, serveRegistry } from './registry.ts';
export { currentCall, type CallContext } from './call-context.ts';
export { wellKnownRef } from './reference.ts';
export { LEASE_DEFAULTS, LeaseTable } from './leases.ts';
