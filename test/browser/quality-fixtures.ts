// Lookups the quality tests share: a call's quality actor, its level, the video sender's encoding, its stats.
import type { ActorRefFrom } from 'xstate';
import { levelOf, type Call, type QualityLevel, type qualityMachine } from '../../src/index.js';

/** The quality actor adapting the video `call` sends to its (only) peer. */
export function qualityActor(call: Call): ActorRefFrom<typeof qualityMachine> | undefined {
  const peer = call.peers[0];
  return peer?.ref.getSnapshot().children.quality as ActorRefFrom<typeof qualityMachine> | undefined;
}

export const level = (call: Call): QualityLevel | undefined => {
  const actor = qualityActor(call);
  return actor ? levelOf(actor.getSnapshot()) : undefined;
};

/** The first encoding of the video sender to the peer. */
export function encoding(call: Call): RTCRtpEncodingParameters {
  const sender = qualityActor(call)!.getSnapshot().context.sender;
  return sender.getParameters().encodings[0]!;
}

export type Stat = { type: string; kind?: string; [key: string]: unknown };

/** Every stat of `call`'s connection to its (only) peer. */
export async function stats(call: Call): Promise<Stat[]> {
  const pc = call.connection(call.peers[0]!.key)!;
  const list: Stat[] = [];
  (await pc.getStats()).forEach((stat: Stat) => list.push(stat));
  return list;
}
