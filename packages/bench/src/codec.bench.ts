import { decodeMessage, encodeMessage, fromRestJson, toRestJson, type WireMessageInit } from '@weiyu/protocol';
import { bench, describe } from 'vitest';

const text: WireMessageInit = {
  uid: '0f8e3c2a9b7d4e6f8a1b2c3d4e5f6a7b',
  type: 'TEXT',
  content: '您好，请问有什么可以帮您？Hello 👋',
  status: 'SENDING',
  createdAt: '1732900000000',
  channel: 'WEB',
  extra: '{"orgUid":"org_demo"}',
  user: { uid: 'agent_demo', nickname: '客服小微', avatar: 'https://example.invalid/a.png', type: 'AGENT' },
  thread: {
    uid: 'thread_demo',
    topic: 'org/agent/agent_demo/visitor_demo',
    type: 'AGENT',
    user: { uid: 'visitor_demo', nickname: '访客', avatar: '', type: 'VISITOR' },
  },
};
const large: WireMessageInit = { ...text, content: '字'.repeat(3000) };
const textBytes = encodeMessage(text);
const largeBytes = encodeMessage(large);
const textJson = JSON.stringify(toRestJson(text));

describe('protobuf codec', () => {
  bench(`encode text message (${textBytes.length} B)`, () => {
    encodeMessage(text);
  });
  bench(`decode text message (${textBytes.length} B)`, () => {
    decodeMessage(textBytes);
  });
  bench(`encode 9 KB message (${largeBytes.length} B)`, () => {
    encodeMessage(large);
  });
  bench(`decode 9 KB message (${largeBytes.length} B)`, () => {
    decodeMessage(largeBytes);
  });
});

describe('REST JSON', () => {
  bench('toRestJson + JSON.stringify', () => {
    JSON.stringify(toRestJson(text));
  });
  bench('JSON.parse + fromRestJson', () => {
    fromRestJson(JSON.parse(textJson));
  });
});
