/** A pane's composer: text (Enter sends, typing sends TYPING), image, file, location, and a row of small actions. */
import type { LocalMessage, OutgoingContent } from '@weiyu/core';
import { button, h, input } from '../dom.js';
import { describeMessage, statusLabel } from '../format.js';
import type { PaneContext } from './context.js';

/** What the composer's buttons reach beyond sending. */
export interface ComposerHooks {
  /** Shows a message the pane sent (and each later state of it). */
  show(message: LocalMessage): void;
  markAllRead(): void;
  clearLog(): void;
}

export function createComposer(ctx: PaneContext, hooks: ComposerHooks): HTMLElement {
  const t = ctx.testId;
  const send = (content: OutgoingContent): boolean => sendContent(ctx, hooks, content);

  const text = input(t('text'), 'Type a message…');
  const sendText = (): void => {
    const value = text.value.trim();
    if (value === '') return;
    if (send({ type: 'TEXT', text: value })) text.value = '';
  };
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') sendText();
  });
  text.addEventListener('input', () => {
    if (text.value !== '') ctx.sdk()?.client.sendTyping(ctx.thread());
  });

  return h(
    'div',
    { class: 'composer' },
    h('div', { class: 'row' }, text, button(t('send-text'), 'Send', sendText)),
    ...mediaRows(t, send),
    h(
      'div',
      { class: 'row' },
      button(t('send-typing'), 'Send typing', () => {
        ctx.sdk()?.client.sendTyping(ctx.thread());
        ctx.log('send', 'TYPING');
      }),
      button(t('mark-all-read'), 'Mark all read', () => hooks.markAllRead()),
      button(t('clear-log'), 'Clear log', () => hooks.clearLog()),
    ),
  );
}

/** Sends content on the pane's thread and follows it to its final status; false when refused. */
function sendContent(ctx: PaneContext, hooks: ComposerHooks, content: OutgoingContent): boolean {
  const client = ctx.sdk()?.client;
  if (client === undefined) {
    ctx.log('error', 'not ready yet (logging in)');
    return false;
  }
  try {
    const sent = client.send(ctx.thread(), content);
    hooks.show(sent);
    ctx.log('send', `${describeMessage(sent)} → ${statusLabel(sent.status)}`);
    void sent.done.then((final) => {
      hooks.show(final);
      ctx.log(
        'done',
        `${describeMessage(final)} → ${statusLabel(final.status)}${final.error ? ` (${final.error.code}: ${final.error.message})` : ''}`,
      );
    });
    return true;
  } catch (error) {
    ctx.log('error', `send refused: ${String(error)}`);
    return false;
  }
}

/** The image, file and location rows, with sample values that work against the mock broker. */
function mediaRows(t: (name: string) => string, send: (content: OutgoingContent) => boolean): HTMLElement[] {
  const imageUrl = input(t('image-url'), 'image URL', `${location.origin}/weiyu.svg`);
  const fileUrl = input(t('file-url'), 'file URL', `${location.origin}/sample.txt`);
  const fileName = input(t('file-name'), 'file name', 'sample.txt');
  const fileSize = input(t('file-size'), 'size (bytes)', '64', 'number');
  const latitude = input(t('latitude'), 'latitude', '31.2304', 'number');
  const longitude = input(t('longitude'), 'longitude', '121.4737', 'number');
  const address = input(t('address'), 'address', 'People’s Square, Shanghai');
  for (const el of [fileSize, latitude, longitude]) el.classList.add('narrow');
  latitude.step = 'any';
  longitude.step = 'any';
  return [
    h(
      'div',
      { class: 'row' },
      imageUrl,
      button(t('send-image'), 'Send image', () => {
        send({ type: 'IMAGE', url: imageUrl.value.trim() });
      }),
    ),
    h(
      'div',
      { class: 'row' },
      fileUrl,
      fileName,
      fileSize,
      button(t('send-file'), 'Send file', () => {
        send({ type: 'FILE', url: fileUrl.value.trim(), name: fileName.value.trim(), size: Number(fileSize.value) });
      }),
    ),
    h(
      'div',
      { class: 'row' },
      latitude,
      longitude,
      address,
      button(t('send-location'), 'Send location', () => {
        send({
          type: 'LOCATION',
          latitude: Number(latitude.value),
          longitude: Number(longitude.value),
          address: address.value.trim(),
        });
      }),
    ),
  ];
}
