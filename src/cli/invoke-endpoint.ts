import { ObjectEndpoint } from '../invoke/objects.ts';
import { StreamRequestReply } from '../invoke/stream-request-reply.ts';
import { UdpRequestReply } from '../invoke/udp-request-reply.ts';
import { bindUdp } from '../net/udp.ts';

/** An object endpoint for the command line, on the transport the peer uses; ephemeral unless `listen` is given. */
export async function cliObjectEndpoint(transport: 'udp' | 'tcp', listen: string | undefined, timeout: number): Promise<ObjectEndpoint> {
  const call = { timeout };
  if (transport === 'udp') return new ObjectEndpoint(new UdpRequestReply(await bindUdp(listen ?? 'udp://127.0.0.1:0')), { call });
  return new ObjectEndpoint(await StreamRequestReply.listen(listen ?? 'tcp://127.0.0.1:0'), { call });
}
