/**
 * A typical app, for the size budget (scripts/size.mjs): a chat client over MQTT with the REST
 * fallback, logging in, sending, showing what arrives. What it pulls in of the SDK is what the
 * budget counts; mqtt and @bufbuild/protobuf stay outside (the app's bundle has them anyway).
 */
import { type ChatThread, createChatClient } from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
// A web app: the /web entry, without the mini-program socket (the main entry's figure is in the README).
import { createMqttTransport } from '@weiyu/transport-mqtt/web';

/** Starts a visitor's chat on one thread; `show` gets every message and status change. */
export async function startChat(
  server: { readonly mqttUrl: string; readonly baseUrl: string },
  login: { readonly username: string; readonly password: string },
  thread: ChatThread,
  show: (line: string) => void,
): Promise<(text: string) => void> {
  const rest = createHttpTransport({ baseUrl: server.baseUrl });
  const { accessToken, user } = await rest.login(login.username, login.password);
  const client = createChatClient({
    user,
    realtime: createMqttTransport({ url: server.mqttUrl }),
    rest,
    auth: { username: login.username, accessToken },
  });
  client.on('message', (m) => show(`${m.user.nickname ?? m.user.uid}: ${m.content}`));
  client.on('status', ({ message }) => show(`${message.uid} ${message.status}`));
  client.on('error', (error) => show(`${error.code}: ${error.message}`));
  await client.connect();
  await client.subscribe([thread.topic]);
  return (text) => {
    client.send(thread, { type: 'TEXT', text });
  };
}
