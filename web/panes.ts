import type { PixelRect } from '../src/report/display.js';

/**
 * Synchronised panes: every pane shows its image in HR pixel coordinates under one view (zoom in screen pixels per
 * HR pixel, centre in HR pixels), drawn with nearest-neighbour sampling so single pixels stay sharp; an LR image is
 * drawn `factor` times larger. In swipe mode one canvas shows pane `a` left of the divider and pane `b` right of it.
 */
export interface PaneImage {
  label: string;
  /** The display bitmap (see display.ts), null while the image is not there yet (a model not run). */
  bitmap: HTMLCanvasElement | null;
  /** HR pixels per image pixel: the scale for the LR, 1 otherwise. */
  factor: number;
  /** One line under the pane (metrics, progress, a message). */
  note: string;
  /** A button in the pane's header (run a model), if any. */
  action?: { text: string; run: () => void };
}

export interface View {
  zoom: number;
  cx: number;
  cy: number;
}

export class Panes {
  images: PaneImage[] = [];
  view: View = { zoom: 1, cx: 0, cy: 0 };
  mode: 'grid' | 'swipe' = 'grid';
  a = 1;
  b = -1;
  swipe = 0.5;
  roi: HTMLCanvasElement | null = null;
  /** HR size, the extent of every pane. */
  width = 0;
  height = 0;
  private canvases: HTMLCanvasElement[] = [];
  private notes: HTMLElement[] = [];

  constructor(private readonly host: HTMLElement, private readonly onViewChange: () => void) {
    new ResizeObserver(() => this.render()).observe(host);
  }

  /** Rebuilds the pane elements (after the list of images changed). */
  layout(): void {
    this.host.replaceChildren();
    this.canvases = [];
    this.notes = [];
    const shown = this.mode === 'swipe' ? [this.swipePair()] : this.images.map((_, i) => [i]);
    this.host.style.gridTemplateColumns = `repeat(${this.mode === 'swipe' ? 1 : columnsFor(this.images.length)}, minmax(0, 1fr))`;
    for (const indices of shown) {
      const pane = document.createElement('div');
      pane.className = 'pane';
      const head = document.createElement('div');
      head.className = 'pane-head';
      for (const i of indices) {
        const img = this.images[i]!;
        const label = document.createElement('span');
        label.className = 'pane-label';
        label.textContent = indices.length > 1 ? `${i === indices[0] ? '◧ ' : '◨ '}${img.label}` : img.label;
        head.append(label);
        if (img.action) {
          const b = document.createElement('button');
          b.textContent = img.action.text;
          b.addEventListener('click', img.action.run);
          head.append(b);
        }
      }
      const canvas = document.createElement('canvas');
      this.attach(canvas);
      const note = document.createElement('div');
      note.className = 'pane-note';
      pane.dataset['label'] = indices.map((i) => this.images[i]!.label).join(' | ');
      pane.append(head, canvas, note);
      this.host.append(pane);
      this.canvases.push(canvas);
      this.notes.push(note);
    }
    this.render();
  }

  private swipePair(): number[] {
    const n = this.images.length;
    const norm = (i: number) => ((i % n) + n) % n;
    return [norm(this.a), norm(this.b)];
  }

  /** Zoom and centre showing the whole HR image in a pane. */
  fit(): void {
    const c = this.canvases[0];
    if (!c || !this.width) return;
    this.view = { zoom: Math.min(c.clientWidth / this.width, c.clientHeight / this.height), cx: this.width / 2, cy: this.height / 2 };
    this.changed();
  }

  zoomBy(factor: number, at?: { x: number; y: number; canvas: HTMLCanvasElement }): void {
    const zoom = Math.min(64, Math.max(0.05, this.view.zoom * factor));
    if (at) {
      // keep the HR pixel under the cursor where it is
      const [hx, hy] = this.toHr(at.canvas, at.x, at.y);
      const k = this.view.zoom / zoom;
      this.view = { zoom, cx: hx - (hx - this.view.cx) * k, cy: hy - (hy - this.view.cy) * k };
    } else this.view = { ...this.view, zoom };
    this.changed();
  }

  panBy(dxScreen: number, dyScreen: number): void {
    this.view = { ...this.view, cx: this.view.cx - dxScreen / this.view.zoom, cy: this.view.cy - dyScreen / this.view.zoom };
    this.changed();
  }

  /** The HR pixels visible in the first pane, clipped to the image. */
  visibleRect(): PixelRect {
    const c = this.canvases[0];
    if (!c) return { x: 0, y: 0, width: this.width, height: this.height };
    const half = [c.clientWidth / (2 * this.view.zoom), c.clientHeight / (2 * this.view.zoom)];
    const x0 = Math.max(0, Math.floor(this.view.cx - half[0]!));
    const y0 = Math.max(0, Math.floor(this.view.cy - half[1]!));
    const x1 = Math.min(this.width, Math.ceil(this.view.cx + half[0]!));
    const y1 = Math.min(this.height, Math.ceil(this.view.cy + half[1]!));
    return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
  }

  setNotes(): void {
    if (this.mode === 'swipe') {
      const [a, b] = this.swipePair();
      this.notes[0]!.textContent = `◧ ${this.images[a!]!.note}  ◨ ${this.images[b!]!.note}`;
    } else this.images.forEach((img, i) => this.notes[i] && (this.notes[i]!.textContent = img.note));
  }

  render(): void {
    const dpr = window.devicePixelRatio || 1;
    const groups = this.mode === 'swipe' ? [this.swipePair()] : this.images.map((_, i) => [i]);
    this.canvases.forEach((canvas, k) => {
      const [w, h] = [Math.round(canvas.clientWidth * dpr), Math.round(canvas.clientHeight * dpr)];
      if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
      canvas.dataset['zoom'] = String(this.view.zoom);
      const ctx = canvas.getContext('2d')!;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = '#111';
      ctx.fillRect(0, 0, w, h);
      ctx.imageSmoothingEnabled = false;
      const z = this.view.zoom * dpr;
      const draw = (bitmap: HTMLCanvasElement | null, factor: number) => {
        if (!bitmap) return;
        ctx.setTransform(z * factor, 0, 0, z * factor, w / 2 - this.view.cx * z, h / 2 - this.view.cy * z);
        ctx.drawImage(bitmap, 0, 0);
      };
      const group = groups[k]!;
      group.forEach((i, n) => {
        const img = this.images[i]!;
        ctx.save();
        if (n === 1) {
          ctx.beginPath();
          ctx.rect(w * this.swipe, 0, w, h);
          ctx.clip();
        }
        draw(img.bitmap, img.factor);
        draw(this.roi, 1);
        ctx.restore();
      });
      if (group.length > 1) {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = '#ffd400';
        ctx.fillRect(Math.round(w * this.swipe) - dpr, 0, 2 * dpr, h);
      }
    });
    this.setNotes();
  }

  private changed(): void {
    this.render();
    this.onViewChange();
  }

  private toHr(canvas: HTMLCanvasElement, x: number, y: number): [number, number] {
    return [this.view.cx + (x - canvas.clientWidth / 2) / this.view.zoom, this.view.cy + (y - canvas.clientHeight / 2) / this.view.zoom];
  }

  private attach(canvas: HTMLCanvasElement): void {
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.zoomBy(Math.exp(-e.deltaY * 0.0015), { x: e.offsetX, y: e.offsetY, canvas });
    }, { passive: false });
    let drag: { x: number; y: number; swipe: boolean } | null = null;
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      // in swipe mode, grabbing near the divider moves it; anywhere else pans
      const nearDivider = this.mode === 'swipe' && Math.abs(e.offsetX - canvas.clientWidth * this.swipe) < 12;
      drag = { x: e.clientX, y: e.clientY, swipe: nearDivider };
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!drag) return;
      if (drag.swipe) {
        this.swipe = Math.min(1, Math.max(0, e.offsetX / canvas.clientWidth));
        this.changed();
      } else this.panBy(e.clientX - drag.x, e.clientY - drag.y);
      [drag.x, drag.y] = [e.clientX, e.clientY];
    });
    canvas.addEventListener('pointerup', () => (drag = null));
    canvas.addEventListener('dblclick', () => this.fit());
  }
}

function columnsFor(n: number): number {
  return n <= 3 ? n : n <= 4 ? 2 : 3;
}
