/** A tiny element builder: enough DOM for the playground without a framework. */
export type Child = Node | string | null | undefined | false;

export interface ElementProps {
  readonly class?: string;
  readonly testid?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly on?: Readonly<Record<string, (event: Event) => void>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class !== undefined) el.className = props.class;
  if (props.testid !== undefined) el.dataset.testid = props.testid;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) el.setAttribute(name, value);
  for (const [name, listener] of Object.entries(props.on ?? {})) el.addEventListener(name, listener);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** A labelled input with a stable test id. */
export function input(testid: string, placeholder: string, value = '', type = 'text'): HTMLInputElement {
  return h('input', { testid, attrs: { placeholder, type, value, 'aria-label': placeholder } });
}

export function button(testid: string, label: string, onClick: () => void, title?: string): HTMLButtonElement {
  return h('button', {
    testid,
    text: label,
    attrs: { type: 'button', ...(title === undefined ? {} : { title }) },
    on: { click: () => onClick() },
  });
}

/** A checkbox with its label; returns the label (to place) and the input (to read). */
export function toggle(
  testid: string,
  label: string,
  onChange: (checked: boolean) => void,
  title?: string,
): { readonly label: HTMLLabelElement; readonly input: HTMLInputElement } {
  const box = h('input', { testid, attrs: { type: 'checkbox' } });
  box.addEventListener('change', () => onChange(box.checked));
  const wrapper = h('label', { class: 'toggle', attrs: title === undefined ? {} : { title } }, box, ` ${label}`);
  return { label: wrapper, input: box };
}

export function timeOfDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
