// Public API of the invoke layer: remote object references and the request-reply protocol.
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
