/**
 * Sending a file: upload it over REST, then send a FILE or IMAGE message with its URL like any
 * other message (outbox, MQTT first, REST fallback). Nothing is sent, and nothing enters the
 * timeline, until the server has the file: a failed upload rejects with its typed error and the
 * app still holds the file to try again. Once uploaded, the message is the outbox's: a dropped
 * link or a reload loses nothing.
 */
import { type Channel, SdkError, validateTopic } from '@weiyu/protocol';
import type { ChatClient, ChatThread, ChatUser, OutgoingContent, SendFileOptions, SentMessage } from '../api.js';
import { createAbortController } from '../connection/abort.js';
import type { AbortSignalLike, RestCallOptions, RestTransport, UploadedFile, UploadFile } from '../interfaces.js';

/** What an upload needs of the client. */
export interface UploadParts {
  readonly rest: RestTransport | undefined;
  readonly user: ChatUser;
  readonly channel: Channel;
  readonly orgUid?: string | undefined;
  /** The token, the visitor flag and the client's own signal (it aborts at dispose). */
  readonly restCall: () => RestCallOptions;
  /** Whether the client was disposed. */
  readonly life: { readonly disposed: boolean };
  /** The client's `send`. */
  readonly send: (thread: ChatThread, content: OutgoingContent) => SentMessage;
}

/** The client's `sendFile` and `sendImage`. */
export function createUploads(parts: UploadParts): Pick<ChatClient, 'sendFile' | 'sendImage'> {
  return {
    sendFile: (thread, file, options) => sendUpload(parts, thread, file, 'FILE', options),
    sendImage: (thread, file, options) => sendUpload(parts, thread, file, 'IMAGE', options),
  };
}

/** Uploads `file` and sends it on `thread` as `type`; see `ChatClient.sendFile`. */
export async function sendUpload(
  parts: UploadParts,
  thread: ChatThread,
  file: UploadFile,
  type: 'FILE' | 'IMAGE',
  options: SendFileOptions = {},
): Promise<SentMessage> {
  const upload = parts.rest?.upload;
  if (!parts.rest || !upload) throw new SdkError('invalid_argument', 'sendFile needs a REST transport that uploads');
  const topic = validateTopic(thread.topic);
  if (!topic.ok) throw topic.error;
  checkFile(file);
  if (parts.life.disposed) throw new SdkError('closed', 'the client was disposed');
  const call = parts.restCall();
  const { signal, release } = eitherSignal(call.signal, options.signal);
  let uploaded: UploadedFile;
  try {
    uploaded = await upload.call(parts.rest, file, {
      ...call,
      signal,
      fields: uploaderFields(parts, call.visitor === true),
      ...(options.onProgress ? { onProgress: safeProgress(options.onProgress) } : {}),
    });
  } finally {
    release();
  }
  return parts.send(thread, contentOf(type, file, uploaded));
}

/** A file the server would refuse (no name, empty) is refused here, before a byte travels. */
function checkFile(file: UploadFile): void {
  if (typeof file !== 'object' || file === null) throw new SdkError('invalid_argument', 'file must be a File');
  if (typeof file.name !== 'string' || file.name.trim() === '') {
    throw new SdkError('invalid_argument', 'the file needs a name');
  }
  if (!Number.isSafeInteger(file.size) || file.size <= 0) {
    throw new SdkError('invalid_argument', `the file is empty or its size is unreadable (${String(file.size)})`);
  }
}

/** Who uploads, as the server's upload form names it (it records the uploader; a visitor has no login). */
function uploaderFields(parts: UploadParts, visitor: boolean): Record<string, string> {
  const fields: Record<string, string> = { client: parts.channel };
  if (parts.orgUid) fields.orgUid = parts.orgUid;
  if (visitor) {
    fields.visitorUid = parts.user.uid;
    if (parts.user.nickname) fields.visitorNickname = parts.user.nickname;
    if (parts.user.avatar) fields.visitorAvatar = parts.user.avatar;
  }
  return fields;
}

/** The message content for an uploaded file: its URL, and for a FILE the name, size and type the app gave. */
function contentOf(type: 'FILE' | 'IMAGE', file: UploadFile, uploaded: UploadedFile): OutgoingContent {
  if (type === 'IMAGE') return { type: 'IMAGE', url: uploaded.url };
  const mimeType = file.type || uploaded.mimeType;
  return { type: 'FILE', url: uploaded.url, name: file.name, size: file.size, ...(mimeType ? { mimeType } : {}) };
}

/** A progress callback whose throw does not end the upload. */
function safeProgress(
  onProgress: NonNullable<SendFileOptions['onProgress']>,
): NonNullable<SendFileOptions['onProgress']> {
  return (progress) => {
    try {
      onProgress(progress);
    } catch {
      // The app's callback failing is the app's business.
    }
  };
}

/** A signal that fires when either does (the client's dispose, the app's cancel); `release` stops listening. */
function eitherSignal(
  a: AbortSignalLike | undefined,
  b: AbortSignalLike | undefined,
): { readonly signal: AbortSignalLike | undefined; readonly release: () => void } {
  if (!a || !b) return { signal: a ?? b, release: () => {} };
  const both = createAbortController();
  const fromA = () => both.abort(a.reason);
  const fromB = () => both.abort(b.reason);
  if (a.aborted) fromA();
  else if (b.aborted) fromB();
  a.addEventListener('abort', fromA);
  b.addEventListener('abort', fromB);
  return {
    signal: both.signal,
    release: () => {
      a.removeEventListener('abort', fromA);
      b.removeEventListener('abort', fromB);
    },
  };
}
