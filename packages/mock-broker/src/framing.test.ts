import { decodeMessage, encodeMessage } from '@weiyu/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MockBroker } from './broker.js';
import { connectPacket, THREAD_TOPIC, textMessage } from './testing/helpers.js';
import { startTestBroker, VISITOR } from './testing/index.js';

/** The MQTT packets in a frame: [type, body]; throws when the frame does not end on a packet boundary. */
function packetsOf(frame: Buffer): Array<[number, Buffer]> {
  const packets: Array<[number, Buffer]> = [];
  let offset = 0;
  while (offset < frame.length) {
    let length = 0;
    let multiplier = 1;
    let at = offset + 1;
    for (;;) {
      const byte = frame[at++];
      if (byte === undefined) throw new Error('a frame ends inside a fixed header');
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (at + length > frame.length) throw new Error('a frame ends inside a packet');
    packets.push([(frame[offset] ?? 0) >> 4, frame.subarray(at, at + length)]);
    offset = at + length;
  }
  return packets;
}

/** A raw WebSocket MQTT client that keeps every frame it receives. */
async function rawClient(broker: MockBroker) {
  const ws = new WebSocket(broker.mqttUrl, 'mqtt');
  const frames: Buffer[] = [];
  let onFrame: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    frames.push(data);
    onFrame?.();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  /** Resolves once `count` frames came in all; fails after 2 s. */
  const frameCount = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${frames.length} of ${count} frames`)), 2_000);
      onFrame = () => {
        if (frames.length < count) return;
        clearTimeout(timer);
        resolve();
      };
      onFrame();
    });
  return { ws, frames, frameCount };
}

describe('mock broker: WebSocket framing', () => {
  let broker: MockBroker;
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    await broker.close();
  });

  it('sends every packet whole in a frame, not in pieces', async () => {
    const { ws, frames, frameCount } = await rawClient(broker);
    const token = broker.issueToken(VISITOR.uid);
    ws.send(
      connectPacket({
        clientId: `${VISITOR.uid}/web/frames`,
        username: VISITOR.username,
        password: token,
        keepalive: 0,
      }),
    );
    await frameCount(1);
    const topic = Buffer.from(THREAD_TOPIC, 'utf8');
    const topicLength = Buffer.alloc(2);
    topicLength.writeUInt16BE(topic.length);
    const body = Buffer.concat([Buffer.from([0, 1]), topicLength, topic, Buffer.from([1])]);
    ws.send(Buffer.concat([Buffer.from([0x82, body.length]), body]));
    await frameCount(2);
    broker.state.routeBytes(encodeMessage(textMessage({ uid: 'frame-a' })), THREAD_TOPIC);
    broker.state.routeBytes(encodeMessage(textMessage({ uid: 'frame-b' })), THREAD_TOPIC);
    await frameCount(4);
    // aedes writes a PUBLISH in five pieces: they come as one frame, each frame ends on a packet boundary.
    const packets = frames.flatMap(packetsOf);
    expect(packets.map(([type]) => type)).toEqual([2, 9, 3, 3]);
    const uids = packets.slice(2).map(([, packet]) => {
      const payload = packet.subarray(2 + packet.readUInt16BE(0) + 2);
      const decoded = decodeMessage(payload);
      return decoded.ok ? decoded.value.uid : undefined;
    });
    expect(uids).toEqual(['frame-a', 'frame-b']);
    expect(frames).toHaveLength(4);
    ws.terminate();
  });
});
