#!/usr/bin/env node
// `pnpm demo`: a scripted conversation between an agent and a visitor, with the real SDK in Node
// (createChatClient + createMqttTransport + createHttpTransport) against an embedded mock broker
// on free ports. Prints a transcript: who sent what, over which path, every status change, a
// dropped connection, a broker outage, and the REST catch-up. Exits 0 when every check held.
import { createChatClient } from '@weiyu/core';
import { startMockBroker } from '@weiyu/mock-broker';
import { decodeMessage } from '@weiyu/protocol';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';

const THREAD = { uid: 'thread_demo', topic: 'org/agent/agent_demo/visitor_demo', type: 'AGENT' };
const ORG = 'org_demo';
// Short deadlines so that the demo takes seconds, not minutes.
const TIMING = {
  echoTimeoutMs: 1_500,
  sendDeadlineMs: 20_000,
  reconnectBaseMs: 300,
  reconnectMaxMs: 1_500,
  stableAfterMs: 2_000,
  connectTimeoutMs: 5_000,
};
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = (text) => paint('2', text);
const started = Date.now();
const LABELS = {
  QUEUED: 'queued',
  SENDING: 'sending',
  RETRYING: 'waiting',
  SUCCESS: 'sent',
  DELIVERED: 'delivered',
  READ: 'read',
  FAILED: 'failed',
};
const label = (status) => LABELS[status] ?? String(status).toLowerCase();
const short = (uid) => uid.slice(0, 8);
/** When a RETRYING message is tried next (`retryAt` is Infinity while it waits for the connection). */
const nextTry = (retryAt) =>
  Number.isFinite(retryAt)
    ? `next try in ${Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))} s`
    : 'next try when connected';

function line(who, text) {
  const at = `${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`;
  const name =
    who === 'agent' ? paint('36', 'agent  ') : who === 'visitor' ? paint('35', 'visitor') : paint('33', who.padEnd(7));
  console.log(`${dim(at)}  ${name}  ${text}`);
}
function section(title) {
  console.log(`\n${paint('1', `── ${title} `)}${paint('1', '─'.repeat(Math.max(0, 70 - title.length)))}`);
}
function summary(message) {
  const parsed = message.parsed;
  switch (parsed?.kind) {
    case 'text':
      return JSON.stringify(parsed.text);
    case 'image':
      return `[image ${parsed.url}]`;
    case 'file':
      return `[file ${parsed.name}, ${parsed.size} B]`;
    case 'location':
      return `[location ${parsed.address}]`;
    default:
      return JSON.stringify(message.content);
  }
}

async function waitFor(what, predicate, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Wraps the transports so that the transcript can say which path every message took. */
function traced(who, realtime, rest) {
  const seenOnMqtt = new Set();
  const tracedRealtime = {
    get deviceUid() {
      return realtime.deviceUid;
    },
    isConnected: () => realtime.isConnected(),
    connect: (options, signal) => realtime.connect(options, signal),
    async publish(topic, payload, qos) {
      const decoded = decodeMessage(payload);
      if (decoded.ok && !['TYPING', 'DELIVERED', 'READ', 'PREVIEW'].includes(decoded.value.type)) {
        line(who, dim(`  ↑ MQTT publish ${decoded.value.type} ${short(decoded.value.uid)} (QoS ${qos})`));
      }
      return realtime.publish(topic, payload, qos);
    },
    subscribe: (topics, qos) => realtime.subscribe(topics, qos),
    unsubscribe: (topics) => realtime.unsubscribe(topics),
    close: () => realtime.close(),
    on(listener) {
      return realtime.on((event) => {
        if (event.type === 'message') {
          const decoded = decodeMessage(event.payload);
          if (decoded.ok) seenOnMqtt.add(decoded.value.uid);
        }
        listener(event);
      });
    },
  };
  const tracedRest = {
    async sendMessage(message, options) {
      line(who, paint('33', `  ↑ REST fallback POST /api/v1/message/rest/send ${message.type} ${short(message.uid)}`));
      try {
        const echoed = await rest.sendMessage(message, options);
        line(who, dim(`  ↑ REST accepted ${short(message.uid)}`));
        return echoed;
      } catch (error) {
        line(
          who,
          paint('31', `  ↑ REST failed ${short(message.uid)}: ${error?.code ?? ''} ${error?.message ?? error}`),
        );
        throw error;
      }
    },
    async queryTopic(query, options) {
      const page = await rest.queryTopic(query, options);
      line(who, dim(`  ↓ REST history ${query.topic} page ${query.pageNumber}: ${page.messages.length} message(s)`));
      return page;
    },
  };
  return { realtime: tracedRealtime, rest: tracedRest, seenOnMqtt };
}

async function main() {
  section('Start');
  const broker = await startMockBroker({ mqttPort: 0, httpPort: 0, compat: 'bytedesk' });
  line('broker', `mock broker up (bytedesk mode: no offline queue): ${broker.mqttUrl}  ${broker.httpUrl}`);

  const sides = {};
  const closers = [];
  try {
    for (const [who, username, password] of [
      ['agent', 'agent', 'agent123'],
      ['visitor', 'visitor', 'visitor123'],
    ]) {
      const http = createHttpTransport({ baseUrl: broker.httpUrl });
      const { accessToken, user } = await http.login(username, password);
      line(who, `logged in over REST as ${user.uid}`);
      const mqtt = createMqttTransport({ url: broker.mqttUrl, deviceUid: `demo-${who}` });
      const paths = traced(who, mqtt, http);
      const client = createChatClient({
        user: { uid: user.uid, nickname: user.nickname, type: user.type },
        orgUid: ORG,
        realtime: paths.realtime,
        rest: paths.rest,
        auth: { username, accessToken },
        timing: TIMING,
      });
      closers.push(() => client.dispose());
      const side = { who, client, user, shown: new Map(), statuses: new Map(), typing: false, paths };
      sides[who] = side;
      // Retries that fail the same way print once, with a count at the next change.
      let lastConnection = '';
      let repeats = 0;
      client.on('connection', (state) => {
        if (state.status === 'connecting' && lastConnection.startsWith('reconnecting')) return;
        const why = state.error ? ` (${state.error.code})` : '';
        const text = `${state.status}${why}`;
        if (text === lastConnection) {
          repeats += 1;
          return;
        }
        const retried = repeats > 0 ? dim(` after ${repeats + 1} refused attempts`) : '';
        lastConnection = text;
        repeats = 0;
        line(who, `${paint('34', `connection: ${text}`)}${retried}`);
      });
      client.on('message', (message) => {
        if (message.thread.topic !== THREAD.topic) return;
        side.shown.set(message.uid, (side.shown.get(message.uid) ?? 0) + 1);
        if (message.mine) return;
        const via = paths.seenOnMqtt.has(message.uid) ? 'live over MQTT' : 'from REST history (catch-up)';
        line(
          who,
          `◀ ${message.type} ${summary(message)} from ${message.user.uid} ${dim(`${short(message.uid)}, ${via}`)}`,
        );
      });
      client.on('status', ({ message, previous }) => {
        side.statuses.set(message.uid, message.status);
        const err = message.error ? paint('31', ` (${message.error.code}: ${message.error.message})`) : '';
        const next = message.retryAt === undefined ? '' : dim(`, ${nextTry(message.retryAt)}`);
        line(
          who,
          `  status ${short(message.uid)}: ${label(previous)} → ${paint('32', label(message.status))}${err}${next}`,
        );
      });
      client.on('typing', (event) => {
        if (event.user.uid === user.uid) return;
        side.typing = event.active;
        line(who, dim(`${event.user.uid} ${event.active ? 'is typing…' : 'stopped typing'}`));
      });
      client.on('error', (error) => line(who, paint('31', `error event: ${error.code}: ${error.message}`)));
      await client.subscribe([THREAD.topic]);
    }
    const { agent, visitor } = sides;
    await Promise.all([agent.client.connect(), visitor.client.connect()]);
    await waitFor('both connected', () => agent.client.isConnected() && visitor.client.isConnected());

    const sent = [];
    const say = (side, content) => {
      const message = side.client.send(THREAD, content);
      side.shown.set(message.uid, (side.shown.get(message.uid) ?? 0) + 1);
      line(side.who, `▶ ${message.type} ${summary(message)} ${dim(short(message.uid))} [${label(message.status)}]`);
      sent.push({ from: side, to: side === agent ? visitor : agent, message });
      return message;
    };
    const arrived = (side, uid) => side.client.messages(THREAD.topic).some((m) => m.uid === uid);
    const statusOf = (side, uid) =>
      side.client.messages(THREAD.topic).find((m) => m.uid === uid)?.status ??
      side.client.pending().find((m) => m.uid === uid)?.status;

    section('A normal exchange: MQTT, echo, receipts');
    const hello = say(visitor, { type: 'TEXT', text: 'Hello! My order #1024 has not arrived.' });
    await hello.done;
    await waitFor('the agent to get the greeting', () => arrived(agent, hello.uid));
    await waitFor('DELIVERED on the greeting', () => ['DELIVERED', 'READ'].includes(statusOf(visitor, hello.uid)));
    line('agent', 'sendTyping()');
    agent.client.sendTyping(THREAD);
    await waitFor('the visitor to see the agent typing', () => visitor.typing, 5_000);
    line('agent', `markRead(${short(hello.uid)})`);
    agent.client.markRead(THREAD, hello.uid);
    await waitFor('READ on the greeting', () => statusOf(visitor, hello.uid) === 'READ');
    const reply = say(agent, { type: 'TEXT', text: 'Sorry about that. Let me check — one moment.' });
    await reply.done;
    await waitFor('the visitor to get the reply', () => arrived(visitor, reply.uid));
    const photo = say(visitor, { type: 'IMAGE', url: 'https://example.com/parcel.jpg' });
    const where = say(visitor, {
      type: 'LOCATION',
      latitude: 31.2304,
      longitude: 121.4737,
      address: 'People’s Square, Shanghai',
    });
    await Promise.all([photo.done, where.done]);
    await waitFor(
      'the agent to get the photo and the location',
      () => arrived(agent, photo.uid) && arrived(agent, where.uid),
    );

    section('The visitor’s connection drops: the next message takes the REST fallback');
    const dropped = broker.faults.drop({ userUid: visitor.user.uid });
    line('broker', paint('31', `dropped ${visitor.user.uid}'s MQTT connection (${dropped})`));
    await waitFor('the visitor to notice', () => !visitor.client.isConnected(), 5_000);
    const whileDown = say(visitor, { type: 'TEXT', text: 'Are you still there?' });
    const final = await whileDown.done;
    line('visitor', `final status of ${short(whileDown.uid)}: ${paint('32', label(final.status))}`);
    await waitFor('the agent to get the message sent over REST', () => arrived(agent, whileDown.uid));
    await waitFor('the visitor to reconnect', () => visitor.client.isConnected());

    section('A broker outage with REST failing too: the message waits in the outbox');
    broker.faults.outage(3_000);
    broker.faults.rest({ status: 503, message: 'demo: REST is down too' });
    line('broker', paint('31', 'outage: MQTT connections dropped and refused for 3 s; REST answers 503'));
    await waitFor('the agent to notice the outage', () => !agent.client.isConnected(), 5_000);
    const duringOutage = say(agent, { type: 'TEXT', text: 'Yes! Your parcel is at the depot; it ships today.' });
    await waitFor('the REST attempt to fail', () => statusOf(agent, duringOutage.uid) === 'RETRYING');
    line(
      'agent',
      dim(
        `  outbox holds ${agent.client.pending().length} message(s), waiting (not failed): it goes out when the link is back`,
      ),
    );
    await waitFor('both back', () => agent.client.isConnected() && visitor.client.isConnected());
    line('broker', 'outage over');
    await waitFor('the outbox to flush', () =>
      ['SUCCESS', 'DELIVERED', 'READ'].includes(statusOf(agent, duringOutage.uid)),
    );
    broker.faults.rest(undefined);
    line('broker', 'REST healthy again');
    if (!arrived(visitor, duringOutage.uid)) {
      line('visitor', 'missed it live (no broker session in bytedesk mode): catchUp()');
      await visitor.client.catchUp(THREAD);
    }
    await waitFor('the visitor to get the message sent during the outage', () => arrived(visitor, duringOutage.uid));

    section('The visitor goes away; the agent writes; the visitor catches up on return');
    await visitor.client.disconnect();
    line('visitor', 'disconnect() — closes the laptop');
    const away1 = say(agent, { type: 'TEXT', text: 'Tracking number: SF1234567890.' });
    const away2 = say(agent, {
      type: 'FILE',
      url: 'https://example.com/invoice.pdf',
      name: 'invoice.pdf',
      size: 48_213,
    });
    await Promise.all([away1.done, away2.done]);
    line('visitor', 'connect() — back again');
    await visitor.client.connect();
    await waitFor('the visitor to catch up', () => arrived(visitor, away1.uid) && arrived(visitor, away2.uid));
    const thanks = say(visitor, { type: 'TEXT', text: 'Got it, thank you!' });
    await thanks.done;
    await waitFor('the agent to get the thanks', () => arrived(agent, thanks.uid));

    section('Checks');
    let ok = true;
    const check = (cond, text) => {
      line('check', `${cond ? paint('32', '✔') : paint('31', '✘')} ${text}`);
      if (!cond) ok = false;
    };
    for (const { from, to, message } of sent) {
      const status = statusOf(from, message.uid);
      check(
        ['SUCCESS', 'DELIVERED', 'READ'].includes(status) && arrived(to, message.uid),
        `${from.who} → ${to.who} ${short(message.uid)} ${summary(message).slice(0, 40)}: ${label(status)}, received`,
      );
    }
    for (const side of [agent, visitor]) {
      const dupes = [...side.shown.entries()].filter(([, n]) => n > 1);
      check(dupes.length === 0, `${side.who} was shown every message once (${side.shown.size} messages)`);
      const stuck = side.client.messages(THREAD.topic).filter((m) => m.status === 'SENDING' || m.status === 'QUEUED');
      check(
        stuck.length === 0 && side.client.pending().length === 0,
        `${side.who} has nothing left sending, outbox empty`,
      );
    }
    console.log('');
    return ok;
  } finally {
    for (const close of closers) await close().catch(() => {});
    await broker.close();
  }
}

main().then(
  (ok) => {
    console.log(
      ok ? paint('32', 'Demo finished: every check held.') : paint('31', 'Demo finished with failed checks.'),
    );
    process.exit(ok ? 0 : 1);
  },
  (error) => {
    console.error(paint('31', `\nDemo failed: ${error?.stack ?? error}`));
    process.exit(1);
  },
);
