import { CourierError } from '../../errors.ts';
import { defineInterface } from '../../invoke/interface.ts';
import { ObjectEndpoint } from '../../invoke/objects.ts';
import { formatRef } from '../../invoke/reference.ts';
import { UdpRequestReply } from '../../invoke/udp-request-reply.ts';
import { t } from '../../marshal/schema.ts';
import { bindUdp } from '../../net/udp.ts';
import type { TourStep } from './step.ts';

const Counter = defineInterface('Counter', { add: { args: [t.int32()], argNames: ['n'], result: t.int32() } });

export const invokeStep: TourStep = {
  title: 'Remote object references and remote invocation',
  idea:
    'A remote object reference names one object in the whole system, for all time: the address and port\n' +
    "of its endpoint, the endpoint's creation time, the object's number there (never reused), its\n" +
    'interface, and a secret. A proxy turns method calls into request-reply messages carrying it.',
  async run(say) {
    await using server = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')));
    await using client = new ObjectEndpoint(new UdpRequestReply(await bindUdp('udp://127.0.0.1:0')), { call: { timeout: 2000 } });
    let total = 0;
    const ref = server.export({ add: (n: number) => (total += n) }, Counter);
    say(`exported a Counter: ${formatRef(ref)}`);
    say(`  address ${ref.host}:${ref.port} (${ref.transport}) │ time ${ref.time} │ object ${ref.objectNumber} │ interface ${ref.interfaceName} │ secret 64 bits`);
    const counter = client.proxy(ref, Counter);
    say(`counter.add(5) → ${await counter.add(5)}; counter.add(37) → ${await counter.add(37)}  (request-reply over UDP, at most once)`);
    server.remove(ref);
    say('the server removed the object; its number will never be given to another');
    try {
      await counter.add(1);
      throw new Error('expected ERR_NO_SUCH_OBJECT');
    } catch (err) {
      if (!(err instanceof CourierError) || err.code !== 'ERR_NO_SUCH_OBJECT') throw err;
      say(`calling it again: ${err.code}`);
    }
    const next = server.export({ add: (n: number) => n }, Counter);
    say(`a new object gets number ${next.objectNumber}, not ${ref.objectNumber}; a forged secret would get ERR_NO_SUCH_OBJECT too`);
  },
};
