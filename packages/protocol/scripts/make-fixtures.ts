/**
 * Writes the conformance fixtures `src/conformance/cases.json`.
 *
 * The bytes are produced by protobufjs reading the same `.proto` files, an implementation
 * independent of the protobuf-es code the package ships, so the fixtures check our codec
 * against a second opinion rather than against itself. Nothing here is random: running the
 * script twice writes the same file.
 *
 *   npx -y tsx@4.23.15 scripts/make-fixtures.ts          # write the file
 *   npx -y tsx@4.23.15 scripts/make-fixtures.ts --check  # fail when the file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { MAX_PACKET_BYTES } from '../src/limits.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const protoDir = path.resolve(here, '../proto');
const outFile = path.resolve(here, '../src/conformance/cases.json');

interface UserInit {
  uid?: string;
  nickname?: string;
  avatar?: string;
  type?: string;
  extra?: string;
}
interface ThreadInit {
  uid?: string;
  topic?: string;
  type?: string;
  state?: string;
  channel?: string;
  extra?: string;
  user?: UserInit;
}
interface MessageInit {
  uid?: string;
  type?: string;
  content?: string;
  status?: string;
  createdAt?: string;
  channel?: string;
  extra?: string;
  thread?: ThreadInit;
  user?: UserInit;
}
interface Case {
  name: string;
  message: MessageInit;
  hex: string;
}

/** Loads the package's .proto files; their imports are relative to `proto/`. */
function loadMessageType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.resolve(protoDir, target));
  root.loadSync(['weiyu/v1/message.proto'], { keepCase: false });
  return root.lookupType('weiyu.v1.Message');
}

// SPEC §4, written out here on purpose (not imported from src): the fixtures must not
// inherit a mistake in the package's own lists.
const BASIC_TYPES = [
  'WELCOME',
  'CONTINUE',
  'SYSTEM',
  'NOTICE',
  'TEXT',
  'IMAGE',
  'FILE',
  'DOCUMENT',
  'AUDIO',
  'VOICE',
  'VIDEO',
  'MUSIC',
  'LOCATION',
  'LINK',
  'CARD',
  'EVENT',
  'EXTRA',
  'GUESS',
  'HOT',
  'SHORTCUT',
  'URL',
  'GOODS',
  'ORDER',
  'PHONE_NUMBER',
  'EMAILL_ADDRESS',
  'WECHAT_NUMBER',
  'FORWARD',
  'STICKER',
  'EMAIL',
  'BUTTON',
];
const SIGNAL_TYPES = [
  'TYPING',
  'PREVIEW',
  'PROCESSING',
  'REACTION',
  'PLAYBACK',
  'RECALL',
  'DELIVERED',
  'READ',
  'QUOTATION',
  'KICKOFF',
  'SHAKE',
];

const visitor: UserInit = {
  uid: 'visitor_0001',
  nickname: '访客小王',
  avatar: 'https://cdn.example.com/avatar/v1.png',
  type: 'VISITOR',
};
const agent: UserInit = {
  uid: 'agent_0001',
  nickname: '客服小李',
  avatar: 'https://cdn.example.com/avatar/a1.png',
  type: 'AGENT',
  extra: '{"level":2}',
};
const thread: ThreadInit = {
  uid: 'thread_0001',
  topic: 'org/agent/agent_0001/visitor_0001',
  type: 'AGENT',
  state: 'CHATTING',
  channel: 'WEB',
  user: agent,
};

function contentFor(type: string, index: number): string {
  switch (type) {
    case 'TEXT':
      return '你好，请问有什么可以帮您？';
    case 'IMAGE':
      return JSON.stringify({ url: 'https://cdn.example.com/a.png', width: 640, height: 480, label: '截图' });
    case 'FILE':
      return JSON.stringify({
        url: 'https://cdn.example.com/报告.pdf',
        name: '报告.pdf',
        size: 1024,
        type: 'application/pdf',
      });
    case 'VIDEO':
      return JSON.stringify({
        url: 'https://cdn.example.com/v.mp4',
        coverUrl: 'https://cdn.example.com/v.jpg',
        duration: 12,
      });
    case 'VOICE':
      return JSON.stringify({ url: 'https://cdn.example.com/v.amr', duration: 3, format: 'amr' });
    case 'AUDIO':
      return JSON.stringify({ url: 'https://cdn.example.com/a.mp3', duration: 180, format: 'mp3' });
    case 'LOCATION':
      return JSON.stringify({ latitude: 39.9042, longitude: 116.4074, address: '北京市东城区' });
    case 'TYPING':
      return '';
    case 'PREVIEW':
      return JSON.stringify({ v: 1, content: '正在输入的内容', clear: false, ts: 1718000000000 });
    case 'RECALL':
    case 'DELIVERED':
    case 'READ':
      return `0123456789abcdef0123456789abcd${String(index).padStart(2, '0')}`;
    case 'KICKOFF':
      return JSON.stringify({ reason: '账号在其他设备登录', action: 'FORCE_LOGOUT' });
    default:
      return `${type.toLowerCase()} content #${index}`;
  }
}

function uidFor(index: number): string {
  return `fixture${String(index).padStart(25, '0')}`;
}

function buildCases(): Array<Omit<Case, 'hex'>> {
  const cases: Array<Omit<Case, 'hex'>> = [];
  [...BASIC_TYPES, ...SIGNAL_TYPES].forEach((type, index) => {
    cases.push({
      name: `type ${type}`,
      message: {
        uid: uidFor(index),
        type,
        content: contentFor(type, index),
        status: 'SUCCESS',
        createdAt: '2024-06-10 14:03:05',
        channel: 'WEB',
        thread,
        user: visitor,
        extra: '{"orgUid":"org_0001"}',
      },
    });
  });

  cases.push(
    { name: 'empty message', message: {} },
    { name: 'every field empty string', message: { uid: '', type: '', content: '', status: '', extra: '' } },
    { name: 'uid only', message: { uid: 'only-a-uid' } },
    { name: 'missing thread and user', message: { uid: 'u1', type: 'TEXT', content: 'hi', status: 'SENDING' } },
    { name: 'empty thread present', message: { uid: 'u2', thread: {} } },
    { name: 'empty user present', message: { uid: 'u3', user: {} } },
    { name: 'thread with empty user', message: { uid: 'u4', thread: { topic: 'org/group/g1', user: {} } } },
    { name: 'thread without user', message: { uid: 'u5', thread: { uid: 't', topic: 'user/x', type: 'GROUP' } } },
    {
      name: 'nested user and thread.user, every field',
      message: {
        uid: 'u6',
        type: 'TEXT',
        content: 'nested',
        status: 'SENDING',
        createdAt: '1718000000000',
        channel: 'WEB_VISITOR',
        extra: '{"orgUid":"org_0001","nested":{"a":[1,2,3]}}',
        user: { ...visitor, extra: '{"vip":true}' },
        thread: { ...thread, extra: '{"x":1}', user: { ...agent } },
      },
    },
    {
      name: 'Chinese text',
      message: { uid: 'zh', type: 'TEXT', content: '微语客服系统：您好！请稍候，我们马上为您服务。' },
    },
    { name: 'emoji', message: { uid: 'emoji', type: 'TEXT', content: '👋😀🎉 👨‍👩‍👧‍👦 🇨🇳 ❤️' } },
    {
      name: 'unusual unicode',
      message: {
        uid: 'ünï\u200dcode',
        type: 'TEXT',
        content: 'NUL\u0000 BOM\ufeff RTL\u202e مرحبا combining e\u0301 max\uffff astral\u{10ffff} tab\t nl\n',
        status: 'SUCCESS',
        channel: 'WEB',
        user: { uid: 'u', nickname: '\u{1d400}\u{1d401} Zalgo z\u0335\u0321a\u0336', avatar: '', type: 'VISITOR' },
        thread: { uid: 't', topic: 'org/group/グループ', type: 'GROUP', state: 'NEW' },
      },
    },
    {
      name: 'unknown type name',
      message: { uid: 'future', type: 'HOLOGRAM_3D', content: '{}', status: 'FUTURE_STATUS' },
    },
    { name: 'long uid', message: { uid: 'x'.repeat(300), type: 'TEXT', content: 'a' } },
  );
  return cases;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function encode(Message: protobuf.Type, message: MessageInit): Uint8Array {
  return Message.encode(Message.fromObject(message)).finish();
}

/** A message whose encoding lands just under the server's packet limit. */
function largeCase(Message: protobuf.Type): Omit<Case, 'hex'> {
  const base: MessageInit = {
    uid: 'large0000000000000000000000000000',
    type: 'TEXT',
    status: 'SUCCESS',
    createdAt: '2024-06-10 14:03:05',
    channel: 'WEB',
    thread,
    user: visitor,
    extra: '{"orgUid":"org_0001"}',
  };
  const target = MAX_PACKET_BYTES - 10;
  const head = '大消息：'.repeat(200);
  // Start near the answer (one byte per ASCII character), then step up to the first fit.
  let padding = Math.max(0, target - encode(Message, { ...base, content: head }).length - 8);
  for (;;) {
    const content = head + 'x'.repeat(padding);
    const size = encode(Message, { ...base, content }).length;
    if (size >= target) return { name: `large content (${size} bytes encoded)`, message: { ...base, content } };
    padding += 1;
  }
}

function main(): void {
  const Message = loadMessageType();
  const inputs = [...buildCases(), largeCase(Message)];
  const cases: Case[] = inputs.map((c) => ({ ...c, hex: toHex(encode(Message, c.message)) }));
  const names = new Set(cases.map((c) => c.name));
  if (names.size !== cases.length) throw new Error('case names must be unique');
  const json = `${JSON.stringify(
    { generator: 'packages/protocol/scripts/make-fixtures.ts (protobufjs)', maxPacketBytes: MAX_PACKET_BYTES, cases },
    null,
    2,
  )}\n`;
  if (process.argv.includes('--check')) {
    const current = readFileSync(outFile, 'utf8');
    if (current !== json) {
      console.error(`${path.relative(process.cwd(), outFile)} is stale: run scripts/make-fixtures.ts`);
      process.exit(1);
    }
    console.log(`${cases.length} cases up to date`);
    return;
  }
  writeFileSync(outFile, json);
  console.log(`wrote ${cases.length} cases to ${path.relative(process.cwd(), outFile)}`);
}

main();
