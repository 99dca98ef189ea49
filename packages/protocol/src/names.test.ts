import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from './codec.js';
import {
  BASIC_MESSAGE_TYPES,
  CHANNELS,
  isKnownChannel,
  isKnownMessageStatus,
  isKnownMessageType,
  isKnownThreadState,
  isKnownThreadType,
  isKnownUserType,
  isSignalMessageType,
  MESSAGE_STATUSES,
  MESSAGE_TYPES,
  SIGNAL_MESSAGE_TYPES,
  THREAD_STATES,
  THREAD_TYPES,
  USER_TYPES,
} from './names.js';

// SPEC §4, copied here by hand from the spec (not from names.ts), so a name lost or
// misspelt in the package shows up as a difference.
const words = (text: string): string[] => text.split(/[\s,]+/).filter((w) => w.length > 0);
const SPEC = {
  basic: words(`WELCOME, CONTINUE, SYSTEM, NOTICE, TEXT, IMAGE, FILE, DOCUMENT, AUDIO,
    VOICE, VIDEO, MUSIC, LOCATION, LINK, CARD, EVENT, EXTRA, GUESS, HOT, SHORTCUT, URL, GOODS,
    ORDER, PHONE_NUMBER, EMAILL_ADDRESS, WECHAT_NUMBER, FORWARD, STICKER, EMAIL, BUTTON`),
  signals: words(`TYPING, PREVIEW, PROCESSING, REACTION, PLAYBACK, RECALL, DELIVERED, READ, QUOTATION,
    KICKOFF, SHAKE`),
  queue: words('QUEUE, QUEUE_NOTICE, QUEUE_UPDATE, QUEUE_ACCEPT, QUEUE_TIMEOUT, QUEUE_CANCEL'),
  rating: words(`RATE_INVITE, RATE, RATE_SUBMIT, RATE_CANCEL, AUTO_CLOSED,
    AGENT_CLOSED, VISITOR_CLOSED`),
  transfer: words(`TRANSFER, TRANSFER_ACCEPT, TRANSFER_REJECT,
    TRANSFER_TIMEOUT, TRANSFER_CANCEL`),
  robot: words(`ROBOT, ROBOT_STREAM, ROBOT_STREAM_START,
    ROBOT_STREAM_END, ROBOT_STREAM_CANCEL, ROBOT_STREAM_ERROR`),
  forms: words('FORM, FORM_SUBMIT, LEAVE_MSG, LEAVE_MSG_SUBMIT'),
  other: ['ERROR'],
  statuses: words(`SENDING, TIMEOUT, BLOCKED, STRANGER, ERROR, SUCCESS, RECALL, DELIVERED, READ,
    DESTROYED, UNPROCESSED, PROCESSED`),
  threadTypes: words(`AGENT, WORKGROUP, ROBOT, MEMBER, GROUP, FEEDBACK, ASSISTANT, CHANNEL, LOCAL,
    FRIEND, TICKET_INTERNAL, KBASE, KBDOC, LLM, UNIFIED, HISTORY, WORKFLOW, QUEUE, CALLCENTER,
    TICKET_EXTERNAL`),
  threadStates: words('NEW, ROBOTING, OFFLINE, QUEUING, CHATTING, TIMEOUT, CLOSED'),
  userTypes: words('AGENT, SYSTEM, VISITOR, ROBOT, MEMBER, ASSISTANT, CHANNEL, USER, MONITOR, WORKGROUP'),
  channels: words(`WEB, WEB_PC, WEB_H5, WEB_VISITOR, WEB_FLOAT, WEB_ADMIN, IOS, ANDROID,
    ELECTRON, FLUTTER, UNIAPP, WECHAT, SYSTEM, TEST`),
};
const sorted = (list: readonly string[]): string[] => [...list].sort();

describe('names of SPEC §4', () => {
  it('basic message types match the spec exactly (EMAILL_ADDRESS sic)', () => {
    expect(sorted(BASIC_MESSAGE_TYPES)).toEqual(sorted(SPEC.basic));
    expect(BASIC_MESSAGE_TYPES).toContain('EMAILL_ADDRESS');
  });

  it('signal types match the spec exactly', () => {
    expect(sorted(SIGNAL_MESSAGE_TYPES)).toEqual(sorted(SPEC.signals));
  });

  it('all message types are every list of the spec, each once', () => {
    const all = [
      ...SPEC.basic,
      ...SPEC.signals,
      ...SPEC.queue,
      ...SPEC.rating,
      ...SPEC.transfer,
      ...SPEC.robot,
      ...SPEC.forms,
      ...SPEC.other,
    ];
    expect(sorted(MESSAGE_TYPES)).toEqual(sorted(all));
    expect(new Set(MESSAGE_TYPES).size).toBe(MESSAGE_TYPES.length);
  });

  it('statuses, thread types and states, user types and channels match the spec', () => {
    expect(sorted(MESSAGE_STATUSES)).toEqual(sorted(SPEC.statuses));
    expect(sorted(THREAD_TYPES)).toEqual(sorted(SPEC.threadTypes));
    expect(sorted(THREAD_STATES)).toEqual(sorted(SPEC.threadStates));
    expect(sorted(USER_TYPES)).toEqual(sorted(SPEC.userTypes));
    expect(sorted(CHANNELS)).toEqual(sorted(SPEC.channels));
    expect(MESSAGE_STATUSES).not.toContain('FAILED');
  });

  it('the predicates know every listed name', () => {
    for (const t of SPEC.basic) expect(isKnownMessageType(t), t).toBe(true);
    for (const t of SPEC.signals) {
      expect(isKnownMessageType(t), t).toBe(true);
      expect(isSignalMessageType(t), t).toBe(true);
    }
    for (const t of SPEC.basic) expect(isSignalMessageType(t), t).toBe(false);
    for (const s of SPEC.statuses) expect(isKnownMessageStatus(s), s).toBe(true);
    for (const t of SPEC.threadTypes) expect(isKnownThreadType(t), t).toBe(true);
    for (const s of SPEC.threadStates) expect(isKnownThreadState(s), s).toBe(true);
    for (const t of SPEC.userTypes) expect(isKnownUserType(t), t).toBe(true);
    for (const c of SPEC.channels) expect(isKnownChannel(c), c).toBe(true);
  });

  it('names are case-sensitive and exact', () => {
    for (const name of ['text', 'Text', ' TEXT', 'TEXT ', 'EMAIL_ADDRESS', '', 'FAILED']) {
      expect(isKnownMessageType(name), name).toBe(false);
    }
    expect(isKnownMessageStatus('FAILED')).toBe(false);
    expect(isKnownChannel('web')).toBe(false);
  });

  it('an unknown type name travels, decodes as the same string and is reported not known', () => {
    const name = 'HOLOGRAM_CALL_2031';
    expect(isKnownMessageType(name)).toBe(false);
    expect(isSignalMessageType(name)).toBe(false);
    const decoded = decodeMessage(encodeMessage({ uid: 'x', type: name, status: 'NEW_STATUS', channel: 'MARS' }));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) {
      expect(decoded.value.type).toBe(name);
      expect(decoded.value.status).toBe('NEW_STATUS');
      expect(isKnownMessageType(decoded.value.type)).toBe(false);
      expect(isKnownMessageStatus(decoded.value.status)).toBe(false);
    }
  });
});
