import { codec } from '../marshal/codec.ts';
import type { Codec, Format } from '../marshal/codec-types.ts';
import { t, type Infer } from '../marshal/schema.ts';
import { remoteRefSchema } from './reference.ts';

/**
 * The request-reply protocol's message: the textbook's fields (message type, request id, object
 * reference, operation id, arguments or results) plus the call semantics the client asked for and, in a
 * reply, whether the operation succeeded.
 */
export const callSemanticsSchema = t.enum('courier::CallSemantics', ['maybe', 'atLeastOnce', 'atMostOnce']);
export type CallSemantics = Infer<typeof callSemanticsSchema>;

export const replyStatusSchema = t.enum('courier::ReplyStatus', ['ok', 'exception', 'noSuchObject', 'noSuchOperation', 'badRequest']);
export type ReplyStatus = Infer<typeof replyStatusSchema>;

export const messageSchema = t.struct('courier::RequestReplyMessage', {
  kind: t.enum('courier::MessageKind', ['request', 'reply']),
  requestId: t.uint32(),
  semantics: callSemanticsSchema,
  /** The object invoked; present in requests. */
  target: t.optional(remoteRefSchema),
  operation: t.uint32(),
  status: replyStatusSchema,
  /** Marshalled arguments (request), results or exception (reply), in the endpoint's format. */
  body: t.bytes(),
});
export type Message = Infer<typeof messageSchema>;

/** The body of a reply whose status is `exception`: the declared exception's name and its marshalled value. */
export const exceptionBodySchema = t.struct('courier::RaisedException', { name: t.string(256), value: t.bytes() });

const codecs = new Map<Format, Codec<Message>>();

/** The message codec for a format, compiled once per process. */
export function messageCodec(format: Format): Codec<Message> {
  let c = codecs.get(format);
  if (!c) {
    c = codec(messageSchema, format);
    codecs.set(format, c);
  }
  return c;
}
