/** A pane's composer: text (Enter sends, typing sends TYPING), image, file, location, and a row of small actions. */
import type { LocalMessage, OutgoingContent, SentMessage } from '@weiyu/core';
import { button, h, input } from '../dom.js';
import { describeMessage, formatBytes, statusLabel } from '../format.js';
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
    uploadRow(ctx, hooks),
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
    follow(ctx, hooks, client.send(ctx.thread(), content));
    return true;
  } catch (error) {
    ctx.log('error', `send refused: ${String(error)}`);
    return false;
  }
}

/**
 * An `<input type=file>` and "Upload & send": `client.sendFile` (or `sendImage` with "as image")
 * uploads over REST, then sends a FILE (IMAGE) message through the outbox. Nothing is sent when
 * the upload fails; the file stays chosen so that the user can try again.
 */
function uploadRow(ctx: PaneContext, hooks: ComposerHooks): HTMLElement {
  const t = ctx.testId;
  const picker = h('input', { testid: t('upload-input'), attrs: { type: 'file', 'aria-label': 'file to upload' } });
  const asImage = h('input', { testid: t('upload-as-image'), attrs: { type: 'checkbox' } });
  const state = h('span', { class: 'upload-state', testid: t('upload-state'), attrs: { 'data-state': 'idle' } });
  const show = (kind: string, text: string): void => {
    state.dataset.state = kind;
    state.textContent = text;
  };
  const upload = async (): Promise<void> => {
    const client = ctx.sdk()?.client;
    const file = picker.files?.[0];
    if (client === undefined || file === undefined) {
      show('error', client === undefined ? 'not ready yet' : 'choose a file first');
      return;
    }
    show('uploading', `uploading ${file.name}…`);
    ctx.log('upload', `${asImage.checked ? 'sendImage' : 'sendFile'} ${file.name} (${formatBytes(file.size)})`);
    const onProgress = ({ loaded, total }: { loaded: number; total: number }): void =>
      show('uploading', `uploading ${file.name}: ${formatBytes(loaded)} of ${formatBytes(total)}`);
    try {
      const sent = asImage.checked
        ? await client.sendImage(ctx.thread(), file, { onProgress })
        : await client.sendFile(ctx.thread(), file, { onProgress });
      show('sent', `uploaded ${file.name}`);
      picker.value = '';
      follow(ctx, hooks, sent);
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
      show('error', `upload failed (${code}): ${error instanceof Error ? error.message : String(error)}`);
      ctx.log('error', `upload ${file.name}: ${String(error)}`);
    }
  };
  return h(
    'div',
    { class: 'row upload' },
    picker,
    h('label', { class: 'toggle' }, asImage, ' as image'),
    button(t('upload-send'), 'Upload & send', () => void upload()),
    state,
  );
}

/** Shows a message just sent, and its final outcome once `done` settles. */
function follow(ctx: PaneContext, hooks: ComposerHooks, sent: SentMessage): void {
  hooks.show(sent);
  ctx.log('send', `${describeMessage(sent)} → ${statusLabel(sent.status)}`);
  void sent.done.then((final) => {
    hooks.show(final);
    ctx.log(
      'done',
      `${describeMessage(final)} → ${statusLabel(final.status)}${final.error ? ` (${final.error.code}: ${final.error.message})` : ''}`,
    );
  });
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
