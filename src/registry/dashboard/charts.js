// @ts-check
/**
 * Hand-written SVG bar charts for the operator dashboard: no library, nothing inline that the page's
 * Content-Security-Policy would refuse (attributes only, no style attributes). Every bar carries its group,
 * day and value as data attributes and a <title> read out by screen readers and shown on hover.
 */

const SVG = 'http://www.w3.org/2000/svg';

/** Colour-blind-safe palette (Okabe & Ito), in group order. */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @param {string} [text]
 */
function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Longest label drawn in full, in characters. */
const MAX_LABEL = 30;
/** @param {string} label */
const shorten = (label) => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);

/** A round axis step of at least `raw`: 1, 2, 2.5 or 5 times a power of ten. @param {number} raw */
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return power * ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10);
}

/** @param {number} n */
export const formatCount = (n) => n.toLocaleString('en-US');

/** @param {number} n */
export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

/**
 * @param {Element} container
 * @param {SVGSVGElement | null} svg
 * @param {string} label
 * @param {string} empty
 */
function mount(container, svg, label, empty) {
  container.replaceChildren();
  if (svg === null) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = empty;
    container.append(p);
    return;
  }
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  container.append(svg);
}

/** A legend's colour square. @param {string} colour */
export function swatch(colour) {
  const svg = el('svg', { viewBox: '0 0 12 12', width: 12, height: 12, 'aria-hidden': 'true' });
  svg.append(el('rect', { width: 12, height: 12, rx: 3, fill: colour }));
  return svg;
}

/**
 * One horizontal bar per group.
 * @param {Element} container
 * @param {{ label: string, value: number }[]} rows
 * @param {{ metric: string, format: (n: number) => string, colour: string, label: string }} options
 */
export function barChart(container, rows, { metric, format, colour, label }) {
  if (rows.length === 0) return mount(container, null, label, 'No flows recorded.');
  const width = 560, valueWidth = 80, rowHeight = 30, bar = 20;
  // Room for the longest label (about 7 units a character at 12px), within bounds; longer ones are cut, the title keeps them.
  const longest = Math.max(...rows.map((r) => r.label.length));
  const labelWidth = Math.min(MAX_LABEL * 7, Math.max(6, longest) * 7) + 12;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const svg = /** @type {SVGSVGElement} */ (el('svg', { viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}`, class: 'bars' }));
  rows.forEach((row, i) => {
    const y = i * rowHeight + 2;
    const length = Math.max(row.value > 0 ? 2 : 0, ((width - labelWidth - valueWidth) * row.value) / max);
    svg.append(el('text', { x: labelWidth - 8, y: y + bar / 2 + 5, 'text-anchor': 'end', class: 'label' }, shorten(row.label)));
    const rect = el('rect', { x: labelWidth, y, width: length.toFixed(1), height: bar, rx: 3, fill: colour, class: 'bar', 'data-group': row.label, 'data-metric': metric, 'data-value': row.value });
    rect.append(el('title', {}, `${row.label}: ${format(row.value)} ${metric}`));
    svg.append(rect, el('text', { x: labelWidth + length + 6, y: y + bar / 2 + 5, class: 'value' }, format(row.value)));
  });
  mount(container, svg, label, '');
}

/**
 * Bars per day, stacked by group, on a y axis of round ticks.
 * @param {Element} container
 * @param {{ day: string, group: string, value: number }[]} cells
 * @param {string[]} groups in legend order
 * @param {{ metric: string, format: (n: number) => string, label: string }} options
 */
export function stackedDayChart(container, cells, groups, { metric, format, label }) {
  const days = [...new Set(cells.map((c) => c.day))].sort();
  if (days.length === 0) return mount(container, null, label, 'No flows recorded.');
  const width = 1160, height = 240, left = 90, bottom = 40, top = 10;
  const totals = days.map((d) => cells.filter((c) => c.day === d).reduce((s, c) => s + c.value, 0));
  const tick = niceStep(Math.max(1, ...totals) / 4);
  const max = tick * Math.ceil(Math.max(1, ...totals) / tick);
  const plot = height - bottom - top;
  const step = (width - left) / days.length;
  const barWidth = Math.min(48, step * 0.7);
  const svg = /** @type {SVGSVGElement} */ (el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'stack' }));
  for (let value = 0; value <= max; value += tick) {
    const y = top + plot * (1 - value / max);
    svg.append(el('line', { x1: left, x2: width, y1: y, y2: y, class: 'grid' }), el('text', { x: left - 8, y: y + 4, 'text-anchor': 'end', class: 'tick' }, format(value)));
  }
  const labelEvery = Math.ceil(days.length / 16);
  days.forEach((day, i) => {
    const x = left + i * step + (step - barWidth) / 2;
    let base = top + plot;
    groups.forEach((group, g) => {
      const cell = cells.find((c) => c.day === day && c.group === group);
      if (!cell || cell.value === 0) return;
      const h = (plot * cell.value) / max;
      base -= h;
      const rect = el('rect', { x: x.toFixed(1), y: base.toFixed(1), width: barWidth.toFixed(1), height: h.toFixed(1), fill: PALETTE[g % PALETTE.length] ?? '#777', class: 'bar', 'data-day': day, 'data-group': group, 'data-metric': metric, 'data-value': cell.value });
      rect.append(el('title', {}, `${day}, ${group}: ${format(cell.value)} ${metric}`));
      svg.append(rect);
    });
    if (i % labelEvery === 0) svg.append(el('text', { x: x + barWidth / 2, y: height - bottom + 18, 'text-anchor': 'middle', class: 'tick' }, day));
  });
  mount(container, svg, label, '');
}
