/** The playground page: an agent pane and a visitor pane side by side, and the broker's fault panel. */
import './style.css';
import { loadConfig } from './config.js';
import { h } from './dom.js';
import { renderFaultPanel } from './faults.js';
import { createPane } from './pane/pane.js';

async function main(): Promise<void> {
  const app = document.getElementById('app');
  if (app === null) throw new Error('#app missing');
  const config = await loadConfig(location.search);
  const agent = createPane('agent', config);
  const visitor = createPane('visitor', config);
  const notes = h('ol', { class: 'log fault-log', testid: 'fault-log' });
  const faults = renderFaultPanel({
    httpUrl: config.httpUrl,
    agentUid: () => agent.uid(),
    visitorUid: () => visitor.uid(),
    log: (line, kind = 'ok') => {
      notes.prepend(h('li', { class: `log-${kind}`, text: `${new Date().toLocaleTimeString()} ${line}` }));
    },
  });
  faults.append(notes);
  app.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('h1', { text: 'Weiyu realtime SDK playground' }),
      h('code', { testid: 'broker-urls', text: `${config.mqttUrl} · ${config.httpUrl}` }),
    ),
    h('main', { class: 'layout' }, agent.element, visitor.element, faults),
  );
  // For poking at the clients from the devtools console.
  Object.assign(window, { playground: { config, agent, visitor } });
}

main().catch((error: unknown) => {
  document.body.textContent = `The playground failed to start: ${String(error)}`;
});
