/** What the parts of a pane share: its role, its test ids, its SDK once built, its thread, its log. */
import type { ChatThread } from '@weiyu/core';
import type { PaneSdk } from '../sdk.js';

export type Role = 'agent' | 'visitor';

export interface PaneContext {
  readonly role: Role;
  /** The test id of one of this pane's elements: `{role}-{name}`. */
  testId(name: string): string;
  /** The pane's client, network switch and user, once logged in. */
  sdk(): PaneSdk | undefined;
  /** The thread the pane shows (it gains `user` once the pane knows who it is). */
  thread(): ChatThread;
  /** Writes a line to the pane's event log. */
  log(kind: string, line: string): void;
}
