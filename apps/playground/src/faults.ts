/**
 * The fault panel: buttons that call the mock broker's admin endpoints (POST JSON on its HTTP
 * port). They act on the broker, so they affect both panes.
 */
import { button, h, input, toggle } from './dom.js';

export interface FaultPanelOptions {
  readonly httpUrl: string;
  readonly agentUid: () => string | undefined;
  readonly visitorUid: () => string | undefined;
  /** Where the panel reports what it did. */
  readonly log: (line: string, kind?: 'ok' | 'error') => void;
}

export interface BrokerAdmin {
  post(path: string, body: Record<string, unknown>): Promise<unknown>;
  get(path: string): Promise<unknown>;
}

export function createBrokerAdmin(httpUrl: string): BrokerAdmin {
  const call = async (method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<unknown> => {
    const init: RequestInit =
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const response = await fetch(`${httpUrl}${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → HTTP ${response.status} ${text.slice(0, 200)}`);
    try {
      return text === '' ? undefined : JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    post: (path, body) => call('POST', path, body),
    get: (path) => call('GET', path),
  };
}

/** REST failure modes offered by the panel, as bodies of `/__admin/faults/rest`. */
const REST_MODES: Readonly<Record<string, Record<string, unknown>>> = {
  '503': { status: 503, message: 'playground: service unavailable' },
  'code-500': { code: 500, message: 'playground: server error' },
  slow: { delayMs: 8_000 },
};

export function renderFaultPanel(options: FaultPanelOptions): HTMLElement {
  const admin = createBrokerAdmin(options.httpUrl);
  const act = (what: string, path: string, body: Record<string, unknown>): void => {
    admin.post(path, body).then(
      () => options.log(`fault: ${what}`, 'ok'),
      (error: unknown) => options.log(`fault: ${what} failed: ${String(error)}`, 'error'),
    );
  };
  const drop = (label: string, userUid: string | undefined): void => {
    act(`drop ${label}`, '/__admin/faults/drop', userUid === undefined ? {} : { userUid });
  };

  const outageSeconds = input('fault-outage-seconds', 'seconds', '5', 'number');
  outageSeconds.min = '1';
  outageSeconds.max = '120';
  outageSeconds.classList.add('narrow');

  const restMode = h(
    'select',
    { testid: 'fault-rest-mode', attrs: { 'aria-label': 'REST failure mode' } },
    h('option', { text: 'HTTP 503 (retryable)', attrs: { value: '503' } }),
    h('option', { text: 'code 500 (server error)', attrs: { value: 'code-500' } }),
    h('option', { text: 'slow (8 s)', attrs: { value: 'slow' } }),
  );
  const restFailing = toggle('fault-rest', 'REST failing', (on) => {
    const body = on ? (REST_MODES[restMode.value] ?? {}) : {};
    act(on ? `REST failing (${restMode.value})` : 'REST healthy', '/__admin/faults/rest', body);
  });
  restMode.addEventListener('change', () => {
    if (restFailing.input.checked) {
      act(`REST failing (${restMode.value})`, '/__admin/faults/rest', REST_MODES[restMode.value] ?? {});
    }
  });
  const holdEchoes = toggle(
    'fault-hold-echoes',
    'hold echoes',
    (on) => act(on ? 'holding echoes' : 'releasing echoes', '/__admin/faults/hold-echoes', { on }),
    'The broker takes published messages but does not echo them: senders wait, then fall back to REST',
  );

  const state = h('pre', { class: 'broker-state', testid: 'broker-state' });
  const showState = (): void => {
    admin.get('/__admin/state').then(
      (body) => {
        state.textContent = JSON.stringify(body, null, 2);
      },
      (error: unknown) => {
        state.textContent = String(error);
      },
    );
  };

  return h(
    'section',
    { class: 'faults', testid: 'faults' },
    h('h2', { text: 'Broker faults' }),
    h(
      'div',
      { class: 'row' },
      button('fault-drop-agent', 'Drop agent', () => drop('agent', options.agentUid())),
      button('fault-drop-visitor', 'Drop visitor', () => drop('visitor', options.visitorUid())),
      button('fault-drop-all', 'Drop all', () => drop('all', undefined)),
    ),
    h(
      'div',
      { class: 'row' },
      button('fault-outage', 'Outage', () => {
        const seconds = Math.max(1, Number(outageSeconds.value) || 5);
        act(`outage ${seconds} s`, '/__admin/faults/outage', { ms: seconds * 1000 });
      }),
      outageSeconds,
      h('span', { text: 's' }),
    ),
    h('div', { class: 'row' }, restFailing.label, restMode),
    h('div', { class: 'row' }, holdEchoes.label),
    h(
      'div',
      { class: 'row' },
      button('fault-reset', 'Reset faults', () => {
        restFailing.input.checked = false;
        holdEchoes.input.checked = false;
        act('reset', '/__admin/faults/reset', {});
      }),
      button('fault-restart', 'Restart broker', () => act('restart', '/__admin/restart', {})),
      button('broker-state-refresh', 'Broker state', showState),
    ),
    state,
  );
}
