/**
 * A typical visitor widget, embedded in someone else's page, for the size figures
 * (scripts/size.mjs): a visitor started from the org and a workgroup, on the light realtime
 * transport (`@weiyu/transport-ws`) with the REST fallback, one id per tab, sending and showing
 * what arrives. What it weighs, protobuf-es included, is what the host page pays.
 */
import { createChatClient, startVisitor, tabDeviceUid } from '@weiyu/core';
import { createHttpTransport } from '@weiyu/transport-http';
import { createWsTransport } from '@weiyu/transport-ws';

/** Starts the widget's chat; `show` gets every message and status change. */
export async function startWidget(
  server: { readonly mqttUrl: string; readonly baseUrl: string },
  widget: { readonly orgUid: string; readonly workgroupUid: string; readonly visitorUid?: string },
  show: (line: string) => void,
): Promise<(text: string) => void> {
  const rest = createHttpTransport({ baseUrl: server.baseUrl });
  const session = await startVisitor(rest, widget);
  const client = createChatClient({
    user: session.user,
    orgUid: session.orgUid,
    auth: session.auth,
    visitor: true,
    realtime: createWsTransport({ url: server.mqttUrl, deviceUid: await tabDeviceUid() }),
    rest,
  });
  client.on('message', (m) => show(`${m.user.nickname ?? m.user.uid}: ${m.content}`));
  client.on('status', ({ message }) => show(`${message.uid} ${message.status}`));
  client.on('error', (error) => show(`${error.code}: ${error.message}`));
  await client.connect();
  await client.subscribe([session.thread.topic]);
  return (text) => {
    client.send(session.thread, { type: 'TEXT', text });
  };
}
