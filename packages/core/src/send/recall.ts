/**
 * Recalling one of my messages. One still in this client's outbox is taken out: it is sent no
 * further and ends RECALL (a `status` event; its `done` resolves). The RECALL signal goes out
 * when connected, as the server may have the message already.
 *
 * Offline a recall is not kept for the next connection, as receipts are: it is a deliberate act
 * that changes what others see, and the user should hear at once that it did not happen (and try
 * again) rather than have it done unseen minutes later, or never after a reload.
 */
import type { ChatThread } from '../api.js';
import type { Shown } from '../receive/shown.js';
import type { Sender } from './sender.js';
import type { Signals } from './signals.js';

/** What a recall acts on. */
export interface RecallParts {
  readonly sender: Pick<Sender, 'isPending' | 'cancel'>;
  readonly signals: Pick<Signals, 'send' | 'explicit'>;
  readonly shown: Pick<Shown, 'get' | 'move'>;
}

/** Recalls message `uid` on `thread`. An `error` event (`not_connected`) when the signal could not go. */
export function recall(thread: ChatThread, uid: string, { sender, signals, shown }: RecallParts): void {
  if (sender.isPending(uid)) {
    // Never published yet (QUEUED): the server cannot have it, so no error when offline.
    const mayHaveLeft = shown.get(uid)?.status !== 'QUEUED';
    sender.cancel(uid, 'RECALL');
    if (mayHaveLeft) signals.explicit(thread, 'RECALL', uid);
    else signals.send(thread, 'RECALL', uid, 1);
    return;
  }
  // Our own RECALL's echo is dropped like every signal of ours: mark the message here.
  if (signals.explicit(thread, 'RECALL', uid)) shown.move(uid, 'RECALL');
}
