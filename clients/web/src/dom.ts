/**
 * The few DOM helpers the views share. Everything the daemon returns is put in the page as text
 * (textContent), never as HTML, so a label or an address can never become markup or script.
 */

/** A child for `h`: a node, a text, or nothing. */
export type Child = Node | string | number | null | undefined | false;

/** Creates an element with attributes (`on*` keys become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

/** Appends children, turning strings and numbers into text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces every child of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** Sats as a grouped integer with its unit: `1,250,000 sats`. Amounts stay integers on the wire. */
export function sats(n: number): string {
  return `${n.toLocaleString('en-US')} sats`;
}

/** A txid shortened for display; the full one stays in the title. */
export function shortTxid(txid: string): string {
  return txid.length > 16 ? `${txid.slice(0, 8)}…${txid.slice(-8)}` : txid;
}

/** A view that can be shown and must be torn down (listeners removed) when it goes away. */
export interface View {
  readonly el: HTMLElement;
  destroy(): void;
}
