/**
 * The view as the URL's hash, so a link reopens it: which pair (or tile), which runs, zoom and centre, mode,
 * ROI threshold, display percentile, tab.
 */
export interface ViewLink {
  tab: 'compare' | 'results';
  /** The HR and LR files (served folder index and path), the TIFF page, the scale. */
  root?: number;
  hr?: string;
  lr?: string;
  page: number;
  scale?: number;
  /** Selected runs, as `root:dir`. */
  runs: string[];
  zoom?: number;
  cx?: number;
  cy?: number;
  mode: 'grid' | 'swipe';
  /** Swipe: the two panes compared (indices) and the divider's position (0..1). */
  a: number;
  b: number;
  swipe: number;
  roi: boolean;
  t: number;
  /** Display white point: this percentile of the HR. */
  p: number;
  split: string;
}

export const DEFAULT_LINK: ViewLink = { tab: 'compare', page: 0, runs: [], mode: 'grid', a: 1, b: -1, swipe: 0.5, roi: false, t: 4, p: 99.9, split: 'test' };

export function parseLink(hash: string): ViewLink {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (k: string) => (q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : undefined);
  const d = DEFAULT_LINK;
  return {
    tab: q.get('tab') === 'results' ? 'results' : 'compare',
    root: num('root'),
    hr: q.get('hr') ?? undefined,
    lr: q.get('lr') ?? undefined,
    page: num('page') ?? d.page,
    scale: num('s'),
    runs: q.get('runs')?.split(',').filter(Boolean) ?? [],
    zoom: num('z'),
    cx: num('cx'),
    cy: num('cy'),
    mode: q.get('mode') === 'swipe' ? 'swipe' : 'grid',
    a: num('a') ?? d.a,
    b: num('b') ?? d.b,
    swipe: num('sw') ?? d.swipe,
    roi: q.get('roi') === '1',
    t: num('t') ?? d.t,
    p: num('p') ?? d.p,
    split: q.get('split') ?? d.split,
  };
}

export function formatLink(v: ViewLink): string {
  const q = new URLSearchParams();
  const put = (k: string, x: string | number | undefined) => x !== undefined && q.set(k, String(x));
  put('tab', v.tab);
  put('root', v.root);
  put('hr', v.hr);
  put('lr', v.lr);
  if (v.page) put('page', v.page);
  put('s', v.scale);
  if (v.runs.length) put('runs', v.runs.join(','));
  put('z', v.zoom === undefined ? undefined : +v.zoom.toFixed(4));
  put('cx', v.cx === undefined ? undefined : +v.cx.toFixed(2));
  put('cy', v.cy === undefined ? undefined : +v.cy.toFixed(2));
  put('mode', v.mode);
  if (v.mode === 'swipe') {
    put('a', v.a);
    put('b', v.b);
    put('sw', +v.swipe.toFixed(3));
  }
  if (v.roi) put('roi', 1);
  put('t', v.t);
  put('p', v.p);
  put('split', v.split);
  return `#${q.toString()}`;
}
