// DOM builders. Text goes in through text nodes only (never innerHTML), so flag keys, reasons
// and actors cannot inject markup.
import { GLOSSARY } from './words.js';

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, unknown>} Attributes
 */

/** Creates an element: h('td', { class: 'x', dataset: { metric: 'm' } }, 'text', child, …). */
export function h(
  /** @type {string} */ tag,
  /** @type {Attributes} */ attributes = {},
  /** @type {(Child | Child[])[]} */ ...children
) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function')
      node.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A card with a heading the section is labelled by. */
export function section(
  /** @type {string} */ title,
  /** @type {string} */ id,
  /** @type {(Child | Child[])[]} */ ...children
) {
  return h(
    'section',
    { 'aria-labelledby': id, class: 'card' },
    h('h2', { id }, title),
    ...children,
  );
}

/** A glossary term with its meaning as a tooltip (keyboard and screen readers read the title). */
export function term(
  /** @type {import('./words.js').Term} */ word,
  /** @type {string} */ shown = word,
) {
  return h('abbr', { title: GLOSSARY[word], class: 'term' }, shown);
}

/** A table that scrolls inside its card on narrow screens (focusable, so keyboards can scroll it). */
export function scrollTable(
  /** @type {string} */ label,
  /** @type {string[]} */ columns,
  /** @type {Node[]} */ rows,
  /** @type {Attributes} */ attributes = {},
) {
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label },
    h(
      'table',
      attributes,
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows),
    ),
  );
}

/** The glossary, folded: every term the page uses with its meaning. */
export function renderGlossary() {
  return h(
    'details',
    { class: 'glossary card' },
    h('summary', {}, 'What these words mean'),
    h(
      'dl',
      {},
      Object.entries(GLOSSARY).flatMap(([word, meaning]) => [
        h('dt', {}, word),
        h('dd', {}, meaning),
      ]),
    ),
  );
}
