/**
 * A client's sending side: its outbox (over the app's store, or memory) and the sender over it,
 * with what an earlier client left in the outbox restored once the store is read.
 */
import type { Channel, SdkError } from '@weiyu/protocol';
import type { ChatTiming, ChatUser } from '../api.js';
import type { KeyValueStore, RealtimeTransport, RestCallOptions, RestTransport } from '../interfaces.js';
import { messageFromWire } from '../message.js';
import { createOutbox, createVolatileOutbox } from '../outbox/outbox.js';
import type { Dedupe } from '../receive/dedupe.js';
import type { Shown } from '../receive/shown.js';
import { createSender, type Sender, type SenderOptions } from './sender.js';

/** What the sending side needs from the client. */
export interface SendingParts extends Omit<SenderOptions, 'outbox' | 'publish' | 'post' | 'onChange'> {
  readonly timing: ChatTiming;
  /** The app's outbox store (default: memory). */
  readonly store: KeyValueStore | undefined;
  /** This client's user: their uid is the outbox's namespace. */
  readonly user: ChatUser;
  readonly channel: Channel;
  readonly realtime: Pick<RealtimeTransport, 'publish'>;
  /** The REST fallback, when there is one. */
  readonly rest: RestTransport | undefined;
  /** The token, the visitor flag and the client's signal, for each REST call. */
  readonly restCall: () => RestCallOptions;
  readonly emitError: (error: SdkError) => void;
  readonly life: { readonly disposed: boolean };
  /** My confirmed messages are marked seen: their echo is no news. */
  readonly dedupe: Pick<Dedupe, 'add'>;
  /** The timeline: each change of mine shows, and what the outbox restores is kept. */
  readonly shown: Pick<Shown, 'sent' | 'get' | 'keep'>;
}

/** Creates the outbox and the sender of a client, and restores what the outbox holds. */
export function wireSending(parts: SendingParts): Sender {
  const { clock, rest, shown } = parts;
  const selfUid = parts.user.uid;
  const outbox = parts.store
    ? createOutbox({
        store: parts.store,
        namespace: selfUid,
        onError: parts.emitError,
        clock,
        timeoutMs: parts.timing.storeTimeoutMs,
      })
    : createVolatileOutbox();
  const sender = createSender({
    ...parts,
    outbox,
    publish: (topic, payload) => parts.realtime.publish(topic, payload, 1),
    ...(rest ? { post: (wire) => rest.sendMessage(wire, { ...parts.restCall(), channel: parts.channel }) } : {}),
    onChange: (message, previous) => {
      if (message.status === 'SUCCESS') parts.dedupe.add(message.uid);
      shown.sent(message, previous);
    },
  });
  void outbox.ready.then((records) => {
    if (parts.life.disposed || records.length === 0) return;
    const now = clock.now();
    const messages = records.map((r) => messageFromWire(r.message, { selfUid, now }));
    for (const message of sender.restore(messages)) if (!shown.get(message.uid)) shown.keep(message);
    parts.logger.info('outbox restored', { count: messages.length });
  });
  return sender;
}
