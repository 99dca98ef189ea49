// A page built by Vite from the installed tarballs: an agent and a visitor log in against the
// mock broker (URLs in the query string), the visitor asks, the agent answers, each sees the
// other's message. The agent is on @weiyu/transport-mqtt (mqtt.js's browser build), the visitor on
// @weiyu/transport-ws (the browser's own WebSocket), as a widget would be. The outcome goes to
// #result for the test to read.
import {
  type ChatClient,
  type ChatThread,
  createChatClient,
  createWebStorageStore,
  type LocalMessage,
} from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
import { createMqttTransport } from '@weiyu/transport-mqtt';
import { createWsTransport } from '@weiyu/transport-ws';

const params = new URLSearchParams(location.search);
const httpUrl = params.get('http') ?? '';
const mqttUrl = params.get('mqtt') ?? '';
const thread: ChatThread = { uid: 'thread_demo', topic: 'org/agent/agent_demo/visitor_demo', type: 'AGENT' };

function log(line: string): void {
  const pre = document.getElementById('log');
  if (pre) pre.textContent += `${line}\n`;
}

async function join(username: string, password: string, light: boolean): Promise<ChatClient> {
  const rest = createHttpTransport({ baseUrl: httpUrl });
  const { accessToken, user } = await rest.login(username, password);
  const client = createChatClient({
    user,
    orgUid: 'org_demo',
    auth: { username, accessToken },
    realtime: light ? createWsTransport({ url: mqttUrl }) : createMqttTransport({ url: mqttUrl }),
    rest,
    outbox: createWebStorageStore(localStorage, `consumer-test:${username}:`),
  });
  await client.connect();
  await client.subscribe([thread.topic]);
  log(`${username}: connected as ${user.uid}`);
  return client;
}

/** Resolves with the first message from someone else whose text is `text`. */
function nextMessage(client: ChatClient, text: string): Promise<LocalMessage> {
  return new Promise((resolve) => {
    client.on('message', (m) => {
      if (!m.mine && m.content === text) resolve(m);
    });
  });
}

async function exchange(): Promise<string> {
  const agent = await join('agent', 'agent123', false);
  const visitor = await join('visitor', 'visitor123', true);
  const question = `在吗？${Date.now()}`;
  const answer = `您好，请讲。${Date.now()}`;
  const agentGot = nextMessage(agent, question);
  const asked = await visitor.send(thread, { type: 'TEXT', text: question }).done;
  log(`visitor sent: ${asked.status}`);
  log(`agent got: ${(await agentGot).content}`);
  const visitorGot = nextMessage(visitor, answer);
  const answered = await agent.send(thread, { type: 'TEXT', text: answer }).done;
  log(`agent sent: ${answered.status}`);
  log(`visitor got: ${(await visitorGot).content}`);
  await Promise.all([agent.dispose(), visitor.dispose()]);
  return asked.status === 'SUCCESS' && answered.status === 'SUCCESS'
    ? 'exchanged'
    : `not sent: ${asked.status}/${answered.status}`;
}

const result = document.getElementById('result');
exchange().then(
  (outcome) => {
    if (result) result.textContent = outcome;
  },
  (error: unknown) => {
    if (result)
      result.textContent = `error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  },
);
